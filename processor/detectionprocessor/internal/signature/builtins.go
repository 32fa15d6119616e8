package signature

import (
	"errors"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Signatures are untrusted code: they may only call the OPA built-ins listed
// here, which are pure and deterministic (their result depends on their
// operands alone) and either bounded by the size of their operands or
// interruptible by the evaluation budget. The compiler refuses any other
// built-in (Capabilities), and a check of the compiled rules (checkCompiled)
// makes sure no rewriting brought one back, so nothing else can run.
var allowedBuiltins = map[string][]string{
	"core":       {"eq", "assign", "internal.member_2", "internal.member_3", "internal.template_string"},
	"comparison": {"equal", "neq", "lt", "lte", "gt", "gte"},
	"arithmetic": {"plus", "minus", "mul", "div", "rem", "abs", "round", "ceil", "floor",
		"numbers.range", "numbers.range_step"},
	"bits":       {"bits.and", "bits.or", "bits.xor", "bits.negate", "bits.lsh", "bits.rsh"},
	"aggregates": {"count", "sum", "product", "max", "min", "sort", "all", "any"},
	"arrays":     {"array.concat", "array.slice", "array.reverse", "array.flatten"},
	"sets":       {"and", "or", "intersection", "union", "set_diff"},
	"objects": {"object.get", "object.keys", "object.remove", "object.filter", "object.union",
		"object.union_n", "object.subset", "json.filter", "json.remove", "json.patch"},
	"strings": {"concat", "contains", "endswith", "startswith", "format_int", "indexof", "indexof_n",
		"lower", "upper", "replace", "split", "sprintf", "substring", "trim", "trim_left",
		"trim_right", "trim_prefix", "trim_suffix", "trim_space", "strings.any_prefix_match",
		"strings.any_suffix_match", "strings.count", "strings.replace_n", "strings.reverse",
		"strings.split_n"},
	"regex and glob": {"regex.match", "re_match", "regex.is_valid", "regex.split", "regex.find_n",
		"regex.find_all_string_submatch_n", "regex.replace", "regex.template_match",
		"regex.globs_match", "glob.match", "glob.quote_meta"},
	"types": {"is_number", "is_string", "is_boolean", "is_array", "is_set", "is_object", "is_null",
		"type_name", "to_number", "cast_array", "cast_boolean", "cast_null", "cast_object",
		"cast_set", "cast_string"},
	"encoding": {"base64.encode", "base64.decode", "base64.is_valid", "base64url.encode",
		"base64url.encode_no_pad", "base64url.decode", "hex.encode", "hex.decode",
		"json.marshal", "json.marshal_with_options", "json.unmarshal", "json.is_valid",
		"yaml.marshal", "yaml.unmarshal", "yaml.is_valid", "urlquery.encode", "urlquery.decode",
		"urlquery.encode_object", "urlquery.decode_object", "uri.parse", "uri.is_valid"},
	"units, versions, durations": {"units.parse", "units.parse_bytes", "semver.compare", "semver.is_valid",
		"time.parse_duration_ns", "time.parse_rfc3339_ns"},
	"network addresses (no look-ups)": {"net.cidr_contains", "net.cidr_contains_matches",
		"net.cidr_intersects", "net.cidr_overlap", "net.cidr_is_valid", "net.cidr_merge",
		"net.cidr_expand"},
	"hashes and parsing of given keys and certificates": {"crypto.md5", "crypto.sha1", "crypto.sha256",
		"crypto.hmac.md5", "crypto.hmac.sha1", "crypto.hmac.sha256", "crypto.hmac.sha512",
		"crypto.hmac.equal", "crypto.x509.parse_certificates", "crypto.x509.parse_certificate_request",
		"crypto.x509.parse_keypair", "crypto.x509.parse_rsa_private_key", "crypto.parse_private_keys",
		"uuid.parse"},
	"graphs and documents": {"walk", "graph.reachable", "graph.reachable_paths", "rego.metadata.chain",
		"rego.metadata.rule"},
}

// deniedBuiltins says why notable built-ins are refused; any other built-in
// not allowed is refused as "not on the allow-list".
var deniedBuiltins = map[string]string{
	"http.send":               "network access",
	"net.lookup_ip_addr":      "network access",
	"providers.aws.sign_req":  "signs network requests with the clock",
	"opa.runtime":             "reads the environment and the runtime's configuration",
	"time.now_ns":             "reads the clock",
	"rand.intn":               "random",
	"uuid.rfc4122":            "random",
	"time.parse_ns":           "reads the local time zone",
	"time.date":               "reads the time zone database from the file system",
	"time.clock":              "reads the time zone database from the file system",
	"time.weekday":            "reads the time zone database from the file system",
	"time.add_date":           "reads the time zone database from the file system",
	"time.diff":               "reads the time zone database from the file system",
	"time.format":             "reads the time zone database from the file system",
	"io.jwt.decode_verify":    "reads the clock",
	"io.jwt.encode_sign":      "random",
	"io.jwt.encode_sign_raw":  "random",
	"json.match_schema":       "a schema's $ref can fetch URLs and files",
	"json.verify_schema":      "a schema's $ref can fetch URLs and files",
	"rego.parse_module":       "parses code; a signature runs only its own",
	"strings.render_template": "a template's loops cannot be interrupted by the evaluation budget",
	"trace":                   "output; return data from tracee_match instead",
	"print":                   "output; return data from tracee_match instead",
	"internal.print":          "output; return data from tracee_match instead",
	"internal.test_case":      "test only",
	"crypto.x509.parse_and_verify_certificates":              "verifies against the clock",
	"crypto.x509.parse_and_verify_certificates_with_options": "verifies against the clock",
}

// allowed is the set of allowed built-in names.
var allowed = func() map[string]bool {
	m := map[string]bool{}
	for _, names := range allowedBuiltins {
		for _, n := range names {
			m[n] = true
		}
	}
	return m
}()

// AllowedBuiltins returns the allowed built-ins by category, for
// documentation.
func AllowedBuiltins() map[string][]string { return allowedBuiltins }

// DeniedBuiltins returns the reasons notable built-ins are refused, for
// documentation.
func DeniedBuiltins() map[string]string { return deniedBuiltins }

// Capabilities returns OPA's capabilities restricted to the allowed
// built-ins, with no network access.
func Capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool { return !allowed[b.Name] })
	caps.AllowNet = []string{}
	return caps
}

// refusal says why a built-in is refused.
func refusal(name string) string {
	if why, ok := deniedBuiltins[name]; ok {
		return why
	}
	return "not on the allow-list"
}

// checkBuiltins reports, before compiling, every call of a refused OPA
// built-in in a module with its file and line, so that the author reads
// why instead of the compiler's "undefined function". Names the module
// defines itself (rules, imports) are its own, not built-ins.
func checkBuiltins(name string, mod *ast.Module) error {
	own := map[string]bool{}
	for _, r := range mod.Rules {
		own[r.Head.Ref()[0].String()] = true
	}
	for _, imp := range mod.Imports {
		own[imp.Name().String()] = true
	}
	var errs []error
	ast.WalkRefs(mod, func(ref ast.Ref) bool {
		fn := ref.String()
		if _, builtin := ast.BuiltinMap[fn]; builtin && !allowed[fn] && !own[ref[0].String()] {
			errs = append(errs, fmt.Errorf("%s:%d: %s is not allowed in signatures (%s); allowed built-ins are listed in the processor README",
				name, row(ref[0].Location), fn, refusal(fn)))
		}
		return false
	})
	return errors.Join(errs...)
}

// checkCompiled makes sure the compiled rules call allowed built-ins only.
// The compiler's capabilities already refuse the others; this holds even
// if a rewriting stage introduced a call.
func checkCompiled(c *ast.Compiler) error {
	var errs []error
	for _, mod := range c.Modules {
		ast.WalkExprs(mod, func(e *ast.Expr) bool {
			if !e.IsCall() {
				return false
			}
			fn := e.Operator().String()
			if _, builtin := ast.BuiltinMap[fn]; builtin && !allowed[fn] {
				file := ""
				if e.Location != nil {
					file = e.Location.File
				}
				errs = append(errs, fmt.Errorf("%s:%d: %s is not allowed in signatures (%s)", file, row(e.Location), fn, refusal(fn)))
			}
			return false
		})
	}
	return errors.Join(errs...)
}

// row is a location's line, 0 when unknown.
func row(loc *ast.Location) int {
	if loc == nil {
		return 0
	}
	return loc.Row
}
