package config

import (
	"fmt"
	"os"
	"runtime"
)

// checkTrusted refuses a configuration or secret file that someone other
// than the user running SAMO could have written: a file writable by group
// or others, or one owned by a user other than uid (the running user) and
// root. Whoever can write .env.security or a NAME_FILE secret controls
// TRUSTED_PROXIES, MODEL_BACKEND_URL and the keys, so such a file is an
// error, not a warning. Platforms without Unix ownership (Windows) are not
// checked.
func checkTrusted(name string, st os.FileInfo, uid int) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if mode := st.Mode().Perm(); mode&0o022 != 0 {
		return fmt.Errorf("%w: %s is writable by group or others (mode %#o); run chmod go-w %s", ErrUnsafePermissions, name, mode, name)
	}
	owner, ok := fileOwner(st)
	if ok && owner != 0 && int64(owner) != int64(uid) {
		return fmt.Errorf("%w: %s is owned by uid %d, not by the user running samo (uid %d) or root; another user could change it: run chown %d %s",
			ErrUnsafePermissions, name, owner, uid, uid, name)
	}
	return nil
}
