package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"golang.org/x/crypto/ssh"

	"github.com/winfs/terraform-provider-winfs/internal/acctest"
	"github.com/winfs/terraform-provider-winfs/internal/lab"
	"github.com/winfs/terraform-provider-winfs/internal/lab/array"
)

// ontapBlock is the provider pointed at the lab array's ONTAP 9
// clustershell over SSH, host key pinned; body replaces the credentials
// and host key lines when given.
func ontapBlock(l *lab.Lab, body string) string {
	if body == "" {
		body = fmt.Sprintf("    username  = %s\n    password  = %s\n    host_key  = %s\n",
			acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANPassword()), acctest.HCLString(l.SANHostKey()))
	}
	cfg := acctest.ProviderBlock(l, acctest.ProviderOpts{NoSAN: true})
	return strings.TrimSuffix(cfg, "}\n") + fmt.Sprintf(`  san = {
    address   = %s
    dialect   = "ontap"
    vserver   = %s
    timeout   = "5s"
%s  }
}
`, acctest.HCLString(l.SANSSHAddress()), acctest.HCLString(l.SANVserver()), body)
}

func ontapMapping(l *lab.Lab, body, lun, igroup string) string {
	return ontapBlock(l, body) + fmt.Sprintf(`
resource "winfs_san_lun_mapping" "m" {
  lun    = %s
  igroup = %s
}
`, acctest.HCLString(lun), acctest.HCLString(igroup))
}

// sshLogins counts the array's SSH logins.
func sshLogins(l *lab.Lab) int {
	n := 0
	for _, ev := range l.Timeline.Events() {
		if ev.Host == "array" && ev.Kind == "array.login" && strings.Contains(ev.Detail, "over ssh (ontap") {
			n++
		}
	}
	return n
}

// newKeyPEM is a fresh ed25519 key: its OpenSSH PEM and its public half.
func newKeyPEM(t *testing.T) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block)), sp
}

// TestAccSANLunMapping_ontapSSH: the mapping resource on the ONTAP 9
// clustershell over SSH: map, plan empty, import, move to the other host
// (unmap first), unmap on destroy; every command over SSH.
func TestAccSANLunMapping_ontapSSH(t *testing.T) {
	acctest.RequireAcc(t)
	t.Parallel()
	l := testLab(t)
	lun := accLUN(t, l, "ontap9")
	before := sshLogins(l)
	var since uint64
	var start []array.Mapping
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{
			{
				Config: ontapMapping(l, "", lun.Path, "server1"),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.Attr("winfs_san_lun_mapping.m", "serial", knownvalue.StringExact(lun.Serial)),
					acctest.Attr("winfs_san_lun_mapping.m", "lun_id", knownvalue.NotNull()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server1"),
					func(*terraform.State) error {
						if sshLogins(l) == before {
							return fmt.Errorf("no SSH login on the array")
						}
						return nil
					},
				),
			},
			{Config: ontapMapping(l, "", lun.Path, "server1"), PlanOnly: true},
			{
				ResourceName:      "winfs_san_lun_mapping.m",
				ImportState:       true,
				ImportStateId:     lun.Path + ":server1",
				ImportStateVerify: true,
				Config:            ontapMapping(l, "", lun.Path, "server1"),
			},
			{
				PreConfig: func() { since, start = l.Timeline.LastSeq(), l.Array().Mappings() },
				Config:    ontapMapping(l, "", lun.Path, "server2"),
				Check: resource.ComposeAggregateTestCheckFunc(
					arrayHolds(l, lun.Path, "server2"),
					func(*terraform.State) error {
						if got := strings.Join(lunEvents(l, lun.Path, since), ", "); got != "unmap server1, map server2" {
							return fmt.Errorf("timeline: %s", got)
						}
						return nil
					},
					func(s *terraform.State) error { return neverTwice(l, start, since)(s) },
				),
			},
			{
				// The clustershell's refusal, verbatim.
				Config:      ontapMapping(l, "", "/vol/acc/nope", "server1"),
				ExpectError: acctest.Phrases(`lun show -vserver svm1 -path /vol/acc/nope -fields serial`, `There are no entries matching your query.`),
			},
		},
	})
}

// TestAccSANLunMapping_ontapSSHKey: a private key from the environment
// logs in; no password anywhere.
func TestAccSANLunMapping_ontapSSHKey(t *testing.T) {
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "ontap9key")
	keyPEM, pub := newKeyPEM(t)
	l.Array().AuthorizeKey(pub)
	t.Setenv(EnvSANPrivateKey, keyPEM)
	t.Setenv(EnvSANPassword, "")
	body := fmt.Sprintf("    username  = %s\n    host_key  = %s\n", acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANHostKey()))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             arrayHolds(l, lun.Path),
		Steps: []resource.TestStep{{
			Config: ontapMapping(l, body, lun.Path, "server2"),
			Check: resource.ComposeAggregateTestCheckFunc(
				arrayHolds(l, lun.Path, "server2"),
				func(*terraform.State) error {
					for _, ev := range l.Timeline.Events() {
						if ev.Kind == "array.login" && strings.Contains(ev.Detail, "over ssh (ontap, publickey)") {
							return nil
						}
					}
					return fmt.Errorf("no public-key login on the array")
				},
			),
		}},
	})
}

// TestAccSANLunMapping_sshRefused: an array whose host key is not the
// pinned one, and a key the array does not know, are refused with errors
// that say why; the array is left as it was.
func TestAccSANLunMapping_sshRefused(t *testing.T) {
	acctest.RequireAcc(t)
	l := testLab(t)
	lun := accLUN(t, l, "ontap9refused")
	_, impostor := newKeyPEM(t)
	wrongPEM, _ := newKeyPEM(t)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, []byte(wrongPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSANPassword, "")
	t.Setenv(EnvSANPrivateKey, "")
	pinned := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(impostor)))
	mismatch := fmt.Sprintf("    username  = %s\n    password  = %s\n    host_key  = %s\n",
		acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANPassword()), acctest.HCLString(pinned))
	wrongKey := fmt.Sprintf("    username  = %s\n    private_key_file = %s\n    host_key  = %s\n",
		acctest.HCLString(l.SANUsername()), acctest.HCLString(keyFile), acctest.HCLString(l.SANHostKey()))
	before := l.Array().Mappings()
	unchanged := func() {
		if got := l.Array().Mappings(); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Fatalf("a refused connection changed the array: %+v", got)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: ontapMapping(l, mismatch, lun.Path, "server1"),
				ExpectError: acctest.Phrases("refusing the array at "+l.SANSSHAddress(), ssh.FingerprintSHA256(l.Array().HostKey()),
					"san.host_key expects", ssh.FingerprintSHA256(impostor)),
			},
			{
				PreConfig:   unchanged,
				Config:      ontapMapping(l, wrongKey, lun.Path, "server1"),
				ExpectError: acctest.Phrases(`refused the SSH login of user "root"`, "san.private_key"),
			},
		},
	})
	unchanged()
	if strings.Contains(fmt.Sprint(l.Timeline.Events()), wrongPEM) {
		t.Fatal("the private key reached the lab's timeline")
	}
}

// TestAccSANLunMapping_sshPlanTimeErrors: bad SSH and ONTAP 9 settings fail
// at plan time naming the attribute.
func TestAccSANLunMapping_sshPlanTimeErrors(t *testing.T) {
	acctest.RequireAcc(t)
	l := testLab(t)
	t.Setenv(EnvSANPassword, "")
	t.Setenv(EnvSANPrivateKey, "")
	res := "resource \"winfs_san_lun_mapping\" \"bad\" {\n  lun = \"/vol/vol1/files_x\"\n  igroup = \"server1\"\n}\n"
	ok := ontapBlock(l, "")
	cases := map[string]struct{ cfg, want string }{
		"unknown transport": {strings.Replace(ok, `dialect   = "ontap"`, `dialect = "ontap"`+"\n    transport = \"rsh\"", 1), `san.transport value must be one of`},
		"unknown dialect":   {strings.Replace(ok, `dialect   = "ontap"`, `dialect = "ontap9"`, 1), `san.dialect value must be one of`},
		"no key no password": {ontapBlock(l, fmt.Sprintf("    username = %s\n    host_key = %s\n", acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANHostKey()))),
			`needs a user name and a private key or password`},
		"bad host key":        {strings.Replace(ok, l.SANHostKey(), "ssh-ed25519 not-base64!", 1), `san.host_key is not an SSH public key`},
		"vserver with spaces": {strings.Replace(ok, `vserver   = "svm1"`, `vserver = "svm 1"`, 1), `vserver "svm 1" must be 1-47`},
		"no vserver":          {strings.Replace(ok, `vserver   = "svm1"`, "", 1), `dialect = "ontap" needs san.vserver`},
		"ssh option on telnet": {strings.Replace(ok, `dialect   = "ontap"`, `dialect = "ontap"`+"\n    transport = \"telnet\"", 1),
			`san.host_key is only used over SSH`},
		"bad private key": {ontapBlock(l, fmt.Sprintf("    username = %s\n    private_key = \"-----BEGIN OPENSSH PRIVATE KEY-----\\nnope\\n-----END OPENSSH PRIVATE KEY-----\\n\"\n    host_key = %s\n",
			acctest.HCLString(l.SANUsername()), acctest.HCLString(l.SANHostKey()))), `must be an unencrypted private key`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			expectPlanError(t, c.cfg+res, regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(c.want), " ", `\s+`)))
		})
	}
}
