package catalog

// Frequently used Tracee argument types.
const (
	TypeInt      = "int"
	TypeUInt     = "unsigned int"
	TypeLong     = "long"
	TypeULong    = "unsigned long"
	TypeSizeT    = "size_t"
	TypeOffT     = "off_t"
	TypePidT     = "pid_t"
	TypeUIDT     = "uid_t"
	TypeGIDT     = "gid_t"
	TypeModeT    = "umode_t"
	TypeDevT     = "dev_t"
	TypeU64      = "u64"
	TypeBool     = "bool"
	TypePtr      = "void*"
	TypeStr      = "const char*"
	TypeCharPtr  = "char*"
	TypeStrArr   = "const char**"
	TypeStrArrC  = "const char*const*"
	TypeSockaddr = "struct sockaddr*"
	TypeBytes    = "bytes"
	TypeIntPtr   = "int*"
)
