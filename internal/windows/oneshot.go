package windows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/winfs/terraform-provider-winfs/internal/agent"
)

// oneShot runs one request on a fresh agent: the script, a hello and the
// request go out in one write and stdin is closed, so the agent answers both
// and exits. This is ModePerRequest.
func (c *Client) oneShot(ctx context.Context, op string, params json.RawMessage) (agent.Response, bool, error) {
	proc, err := c.starter.Start(ctx, agent.LoaderCommandLine())
	if err != nil {
		return agent.Response{}, false, err
	}
	defer func() { go func() { _ = proc.Close() }() }()

	hello := c.request(agent.Hello.Name, c.helloParams())
	req := c.request(op, params)
	buf := []byte(agent.Script + agent.EndOfScript + "\n")
	for _, r := range []agent.Request{hello, req} {
		line, err := agent.EncodeLine(r)
		if err != nil {
			return agent.Response{}, false, fmt.Errorf("%s on %s: encoding the request: %w", r.Op, c.name, err)
		}
		buf = append(buf, line...)
	}

	var stderr tail
	go func() { _, _ = io.Copy(&stderr, proc.Stderr()) }()
	writeErr := make(chan error, 1)
	go func() {
		_, err := proc.Stdin().Write(buf)
		if err == nil {
			err = proc.Stdin().Close()
		}
		writeErr <- err
	}()

	type outcome struct {
		hello, resp *agent.Response
		err         error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		r := bufio.NewReaderSize(proc.Stdout(), 64<<10)
		// Both answers are awaited: the agent runs requests concurrently,
		// so the request's answer may come before the hello's, and no
		// answer counts until the hello proved the script.
		for o.resp == nil || o.hello == nil {
			line, err := r.ReadBytes('\n')
			if resp, derr := agent.DecodeResponse(bytes.TrimSpace(line)); derr == nil {
				switch resp.ID {
				case hello.ID:
					o.hello = &resp
				case req.ID:
					o.resp = &resp
				}
			}
			if err != nil {
				o.err = err
				break
			}
		}
		done <- o
	}()

	select {
	case <-ctx.Done():
		return agent.Response{}, true, ctx.Err()
	case o := <-done:
		if o.hello != nil {
			if err := c.checkHello(*o.hello); err != nil {
				return agent.Response{}, true, err
			}
			if o.resp != nil {
				return *o.resp, true, nil
			}
		}
		cause := o.err
		if errors.Is(cause, io.EOF) {
			cause = errors.New("the agent ended without answering")
			if o.resp != nil {
				cause = errors.New("the agent answered without answering the hello first sent")
			}
			if werr := <-writeErr; werr != nil {
				cause = fmt.Errorf("writing to the agent: %w", werr)
			}
			if t := stderr.String(); t != "" {
				cause = fmt.Errorf("%w: %s", cause, t)
			}
		}
		return agent.Response{}, true, &SessionError{Host: c.name, Cause: cause}
	}
}
