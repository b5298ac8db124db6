package winrm

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads the xs:duration forms WS-Management clients send for
// OperationTimeout: "PT60S", "PT60.000S", "PT1M30S", "P0DT0H1M0S".
func parseDuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "P")
	if !ok || rest == "" {
		return 0, errors.New("not an xs:duration")
	}
	var total time.Duration
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexAny(rest, "YMWDHS")
		if i <= 0 {
			return 0, errors.New("malformed xs:duration")
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || n < 0 {
			return 0, errors.New("malformed xs:duration number")
		}
		var unit time.Duration
		switch {
		case rest[i] == 'D' && !inTime:
			unit = 24 * time.Hour
		case rest[i] == 'H' && inTime:
			unit = time.Hour
		case rest[i] == 'M' && inTime:
			unit = time.Minute
		case rest[i] == 'S' && inTime:
			unit = time.Second
		default:
			return 0, errors.New("unsupported xs:duration unit")
		}
		total += time.Duration(n * float64(unit))
		rest = rest[i+1:]
	}
	return total, nil
}
