package secdesc

import (
	"fmt"
	"strings"
)

// Display languages of a lab host. Windows names its built-in accounts in
// the language it was installed in, while their SIDs are the same in every
// language (Microsoft, "Well-known security identifiers in Windows
// operating systems", and "How to deal with localized and renamed user and
// group names"): a German server knows S-1-1-0 as "Jeder" and has no account
// called "Everyone". Domain accounts keep the names the domain gave them.
const (
	LocaleEnglish = "en-US"
	LocaleGerman  = "de-DE"
	LocaleFrench  = "fr-FR"
)

// Locales lists the display languages the lab emulates.
var Locales = []string{LocaleEnglish, LocaleGerman, LocaleFrench}

// CheckLocale refuses a display language the lab does not emulate; ""
// is English.
func CheckLocale(locale string) error {
	if locale == "" {
		return nil
	}
	for _, l := range Locales {
		if l == locale {
			return nil
		}
	}
	return fmt.Errorf("unknown locale %q; the lab emulates %s", locale, strings.Join(Locales, ", "))
}

// localizedNames are the built-in accounts a localized Windows names in its
// own language, by SID. The spellings are those of German and French
// Windows Server installs as Microsoft's localized documentation and support
// articles show them (e.g. icacls and share permission examples); accounts
// not listed keep the English name in the lab (a simplification).
var localizedNames = map[string]map[string]string{
	LocaleGerman: {
		"S-1-1-0":      "Jeder",
		"S-1-3-0":      "ERSTELLER-BESITZER",
		"S-1-5-2":      `NT-AUTORITÄT\NETZWERK`,
		"S-1-5-4":      `NT-AUTORITÄT\INTERAKTIV`,
		"S-1-5-11":     `NT-AUTORITÄT\Authentifizierte Benutzer`,
		"S-1-5-18":     `NT-AUTORITÄT\SYSTEM`,
		"S-1-5-32-544": `VORDEFINIERT\Administratoren`,
		"S-1-5-32-545": `VORDEFINIERT\Benutzer`,
		"S-1-5-32-546": `VORDEFINIERT\Gäste`,
		"S-1-5-32-551": `VORDEFINIERT\Sicherungs-Operatoren`,
	},
	LocaleFrench: {
		"S-1-1-0":      "Tout le monde",
		"S-1-3-0":      "CREATEUR PROPRIETAIRE", //nolint:misspell // French, not a misspelling
		"S-1-5-2":      `AUTORITE NT\RESEAU`,
		"S-1-5-4":      `AUTORITE NT\INTERACTIF`,
		"S-1-5-11":     `AUTORITE NT\Utilisateurs authentifiés`,
		"S-1-5-18":     `AUTORITE NT\Système`,
		"S-1-5-32-544": `BUILTIN\Administrateurs`,
		"S-1-5-32-545": `BUILTIN\Utilisateurs`,
		"S-1-5-32-546": `BUILTIN\Invités`,
		"S-1-5-32-551": `BUILTIN\Opérateurs de sauvegarde`,
	},
}

// ResolveIn maps an account name to its SID as LookupAccountName does on a
// host installed in locale: the localized names of built-in accounts
// resolve (with or without their domain part), their English names do
// not; everything else as Resolve.
func ResolveIn(locale, name string) (SID, error) {
	names := localizedNames[locale]
	if len(names) == 0 || strings.HasPrefix(strings.ToUpper(name), "S-1-") {
		return Resolve(name)
	}
	for sid, n := range names {
		_, short, _ := strings.Cut(n, `\`)
		if strings.EqualFold(name, n) || (short != "" && strings.EqualFold(name, short)) {
			return MustSID(sid), nil
		}
	}
	sid, err := Resolve(name)
	if err != nil {
		return SID{}, err
	}
	if _, localized := names[sid.String()]; localized {
		return SID{}, &UnknownAccountError{Name: name} // the English name of a localized account
	}
	return sid, nil
}

// NameIn maps a SID to the account name a host installed in locale reports.
func NameIn(locale string, sid SID) string {
	if n, ok := localizedNames[locale][sid.String()]; ok {
		return n
	}
	return Name(sid)
}
