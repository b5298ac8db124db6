package winhost

import (
	"github.com/winfs/terraform-provider-winfs/internal/agent"
	"github.com/winfs/terraform-provider-winfs/internal/lab/secdesc"
)

// SetLocale makes the host a Windows installed in a display language
// (secdesc.Locales): its built-in account names and the text of its native
// tools are localized. Call it before the host serves requests.
func (h *Host) SetLocale(locale string) error {
	if err := secdesc.CheckLocale(locale); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.locale = locale
	return nil
}

// Locale is the host's display language ("" is English).
func (h *Host) Locale() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.locale
}

// resolveAccount maps an account to its SID as the agent's Resolve-WinfsSid
// does: the English names and SID strings of agent.WellKnownAccounts by the
// table, anything else as the host's LookupAccountName would.
func resolveAccount(locale, account string) (secdesc.SID, error) {
	if sid, ok := agent.WellKnownSID(account); ok {
		return secdesc.MustSID(sid), nil
	}
	return secdesc.ResolveIn(locale, account)
}

// wireAccount is how the agent reports an account (ConvertTo-WinfsWireAccount):
// a SID of agent.WellKnownAccounts by its English name, anything else as
// the host names it.
func wireAccount(locale string, sid secdesc.SID) string {
	if name, ok := agent.WellKnownName(sid.String()); ok {
		return name
	}
	return secdesc.NameIn(locale, sid)
}

// chkdskText is chkdsk's closing message in the host's display language
// (dirty: it replayed the log and fixed the volume). chkdsk's messages are
// localized with Windows; the German and French wordings are the lab's
// rendering of them, not copied from a host.
func chkdskText(locale string, dirty bool) string {
	switch locale {
	case secdesc.LocaleGerman:
		if dirty {
			return "Das NTFS-Protokoll wurde von Windows wiedergegeben und das Dateisystem korrigiert.\nEs sind keine weiteren Aktionen erforderlich."
		}
		return "Das Dateisystem wurde von Windows überprüft. Es wurden keine Probleme festgestellt.\nEs sind keine weiteren Aktionen erforderlich."
	case secdesc.LocaleFrench:
		if dirty {
			return "Windows a relu le journal NTFS et corrigé le système de fichiers.\nAucune autre action n'est requise."
		}
		return "Windows a analysé le système de fichiers sans trouver de problème.\nAucune autre action n'est requise."
	}
	if dirty {
		return "Windows has replayed the NTFS log and corrected the file system.\nNo further action is required."
	}
	return "Windows has scanned the file system and found no problems.\nNo further action is required."
}

// withWireAccounts spells the accounts of s as the agent reports them, so
// that s compares with a listed share by SID, as the agent compares (an
// account that does not resolve keeps its spelling).
func withWireAccounts(locale string, s agent.Share) agent.Share {
	access := make([]agent.ShareAccess, len(s.Access))
	for i, e := range s.Access {
		if sid, err := resolveAccount(locale, e.Account); err == nil {
			e.Account = wireAccount(locale, sid)
		}
		access[i] = e
	}
	s.Access = access
	return s
}
