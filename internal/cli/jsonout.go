package cli

import "flag"

// Every command that prints data takes --json and then prints one JSON
// value (or JSON lines for streams) instead of text. The exceptions are
// listed in noJSON (help_test.go checks the rest): serve (logs), completion
// (a shell script), help, and the byte filters (crypto fernet, crypto
// legacy decrypt, crypto encrypt-file/decrypt-file) whose output is the
// token or the plaintext itself, for pipes.

// jsonFlag registers --json with usage, which says what is printed.
func jsonFlag(fs *flag.FlagSet, usage string) *bool {
	return fs.Bool("json", false, usage)
}

// alwaysJSON registers --json on a command whose output is JSON anyway,
// so that --json works on every command that prints data.
func alwaysJSON(fs *flag.FlagSet) {
	fs.Bool("json", false, "accepted for uniformity: the output is always JSON")
}
