package sweep

import "strings"

// keyIDMark is how a credential inventory names a non-secret key id.
const keyIDMark = "key id "

// KeyIDName is the inventory name of a credential's key id ("access key id
// AKIA…", "key id 0123…"): an identifier that names one credential
// wherever it is found, never a value that authenticates. Two systems
// holding a credential with the same key id hold the same credential.
func KeyIDName(what, id string) string {
	if what == "" {
		return keyIDMark + id
	}
	return what + " " + keyIDMark + id
}

// IsKeyIDName reports whether an inventory name is a KeyIDName.
func IsKeyIDName(n string) bool {
	return strings.HasPrefix(n, keyIDMark) || strings.Contains(n, " "+keyIDMark)
}

// KeyIDs returns the key id names among a credential's names (nil when
// none): a credential with the same key id on several systems is one.
func KeyIDs(names []string) []string {
	var ids []string
	for _, n := range names {
		if IsKeyIDName(n) {
			ids = append(ids, n)
		}
	}
	return ids
}
