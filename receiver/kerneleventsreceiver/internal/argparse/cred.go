package argparse

import "encoding/binary"

// SlimCredType is the catalog type of commit_creds' old_cred and new_cred.
const SlimCredType = "slim_cred_t"

// CredField is one field of a credential set, under Tracee's SlimCred name.
type CredField struct {
	Name  string
	Value int64
}

// slimCredFields are the fields of struct slim_cred (bpf/c/security.h) in
// wire order, under Tracee's names, with their sizes in bytes.
var slimCredFields = []struct {
	name string
	size int
}{
	{"Uid", 4}, {"Gid", 4}, {"Suid", 4}, {"Sgid", 4}, {"Euid", 4}, {"Egid", 4}, {"Fsuid", 4}, {"Fsgid", 4},
	{"UserNamespace", 4}, {"SecureBits", 4},
	{"CapInheritable", 8}, {"CapPermitted", 8}, {"CapEffective", 8}, {"CapBounding", 8}, {"CapAmbient", 8},
}

// SlimCred decodes a struct slim_cred as Tracee shows a SlimCred; nil when
// raw is shorter than the struct.
func SlimCred(raw []byte) []CredField {
	out := make([]CredField, 0, len(slimCredFields))
	for _, f := range slimCredFields {
		if len(raw) < f.size {
			return nil
		}
		v := int64(binary.LittleEndian.Uint32(raw))
		if f.size == 8 {
			v = int64(binary.LittleEndian.Uint64(raw))
		}
		out = append(out, CredField{f.name, v})
		raw = raw[f.size:]
	}
	return out
}
