package deploy

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/samo-brain/samo/internal/config"
)

// docs reads every YAML document of a file as a generic map.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var out []map[string]any
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
}

// get walks a path of map keys (and "0" for a list's first element).
func get(v any, keys ...string) any {
	for _, k := range keys {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case []any:
			if k != "0" || len(m) == 0 {
				return nil
			}
			v = m[0]
		default:
			return nil
		}
	}
	return v
}

// manifests returns every Kubernetes object under kubernetes/ by kind.
func manifests(t *testing.T) map[string][]map[string]any {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	byKind := map[string][]map[string]any{}
	for _, f := range files {
		for _, d := range docs(t, f) {
			kind, _ := d["kind"].(string)
			byKind[kind] = append(byKind[kind], d)
		}
	}
	return byKind
}

// checkPod checks the restricted security context of a pod template and
// that its secrets are mounted files, never environment values.
func checkPod(t *testing.T, what string, pod any) {
	t.Helper()
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: pod securityContext.runAsNonRoot is not true", what)
	}
	if uid, _ := get(pod, "securityContext", "runAsUser").(int); uid == 0 {
		t.Errorf("%s: runAsUser is 0 or unset", what)
	}
	if get(pod, "securityContext", "seccompProfile", "type") != "RuntimeDefault" {
		t.Errorf("%s: seccompProfile is not RuntimeDefault", what)
	}
	if get(pod, "automountServiceAccountToken") != false {
		t.Errorf("%s: the service account token is mounted", what)
	}
	containers, _ := get(pod, "containers").([]any)
	if len(containers) == 0 {
		t.Fatalf("%s: no containers", what)
	}
	for _, c := range containers {
		sc := get(c, "securityContext")
		if get(sc, "allowPrivilegeEscalation") != false || get(sc, "readOnlyRootFilesystem") != true || get(sc, "runAsNonRoot") != true {
			t.Errorf("%s: container securityContext %v is not restricted", what, sc)
		}
		if drop, _ := get(sc, "capabilities", "drop").([]any); len(drop) != 1 || drop[0] != "ALL" {
			t.Errorf("%s: capabilities.drop = %v, want [ALL]", what, drop)
		}
		if add := get(sc, "capabilities", "add"); add != nil {
			t.Errorf("%s: capabilities.add = %v", what, add)
		}
		env, _ := get(c, "env").([]any)
		for _, e := range env {
			if get(e, "valueFrom", "secretKeyRef") != nil {
				t.Errorf("%s: secret %v passed in the environment; mount it as a file", what, get(e, "name"))
			}
		}
		mounted := false
		for _, m := range get(c, "volumeMounts").([]any) {
			if get(m, "name") == "secrets" && get(m, "readOnly") == true {
				mounted = true
			}
		}
		if !mounted {
			t.Errorf("%s: the secrets volume is not mounted read-only", what)
		}
	}
	secretVolume := false
	for _, v := range get(pod, "volumes").([]any) {
		if get(v, "secret", "secretName") != nil {
			secretVolume = true
		}
	}
	if !secretVolume {
		t.Errorf("%s: no Secret volume", what)
	}
}

func TestKubernetesManifests(t *testing.T) {
	byKind := manifests(t)
	deps := byKind["Deployment"]
	if len(deps) != 1 {
		t.Fatalf("%d Deployments, want 1", len(deps))
	}
	pod := get(deps[0], "spec", "template", "spec")
	checkPod(t, "Deployment", pod)
	c := get(pod, "containers", "0")
	if p := get(c, "livenessProbe", "httpGet", "path"); p != "/health" {
		t.Errorf("liveness probe path %v, want /health", p)
	}
	if p := get(c, "readinessProbe", "httpGet", "path"); p != "/ready" {
		t.Errorf("readiness probe path %v, want /ready", p)
	}
	if n, _ := get(deps[0], "spec", "replicas").(int); n < 2 {
		t.Errorf("replicas = %d, want at least 2 (PostgreSQL + Redis scale-out)", n)
	}

	jobs := map[string]map[string]any{} // by the command's first argument
	for _, j := range byKind["Job"] {
		args, _ := get(j, "spec", "template", "spec", "containers", "0", "args").([]any)
		if len(args) == 0 {
			t.Errorf("Job %v has no args", get(j, "metadata", "name"))
			continue
		}
		jobs[fmt.Sprint(args[0])] = j
	}
	if len(byKind["Job"]) != 2 || jobs["admin"] == nil || jobs["init"] == nil {
		t.Fatalf("Jobs %v, want two: admin bootstrap and init (the migration)", jobs)
	}
	jpod := get(jobs["admin"], "spec", "template", "spec")
	checkPod(t, "bootstrap Job", jpod)
	args, _ := get(jpod, "containers", "0", "args").([]any)
	if len(args) < 2 || args[1] != "bootstrap" {
		t.Errorf("Job args %v, want admin bootstrap", args)
	}
	// The replicas read the ConfigMap (DATABASE_MIGRATE=false below) and
	// their Secret; bootstrap and migrate have their own environment.
	if get(pod, "containers", "0", "envFrom", "0", "configMapRef", "name") != "samo-config" {
		t.Errorf("the Deployment does not read the ConfigMap samo-config")
	}
	checkMigrateJob(t, jobs["init"], pod, byKind["Secret"])

	if len(byKind["Secret"]) != 2 {
		t.Errorf("want two example Secrets (the replicas' and the schema owner's)")
	}
	cms := byKind["ConfigMap"]
	if len(cms) != 1 {
		t.Fatalf("want one ConfigMap")
	}
	data, _ := get(cms[0], "data").(map[string]any)
	checkBootstrapJob(t, jobs["admin"], pod, data, byKind["Secret"])
	if data["SECURITY_LEVEL"] != "production" {
		t.Errorf("ConfigMap SECURITY_LEVEL = %v, want production", data["SECURITY_LEVEL"])
	}
	if data["DATABASE_MIGRATE"] != "false" {
		t.Errorf("ConfigMap DATABASE_MIGRATE = %v, want \"false\" (the replicas' role cannot migrate; migrate-job.yaml does)", data["DATABASE_MIGRATE"])
	}
	for _, k := range []string{"DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "ENCRYPTION_KEY"} {
		if _, ok := data[k]; ok {
			t.Errorf("ConfigMap holds the secret %s; use %s_FILE", k, k)
		}
		if !strings.HasPrefix(data[k+"_FILE"].(string), "/run/secrets/samo/") {
			t.Errorf("ConfigMap %s_FILE = %v, want a file of the mounted Secret", k, data[k+"_FILE"])
		}
	}
}

// finalStage returns the instructions after the last FROM that configure
// the image (USER, ENV, VOLUME, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD).
func finalStage(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		word, _, _ := strings.Cut(line, " ")
		switch word {
		case "FROM":
			out = out[:0]
			out = append(out, line)
		case "USER", "ENV", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD":
			out = append(out, line)
		}
	}
	return out
}

func TestDockerfilesShareTheFinalImage(t *testing.T) {
	full, local := finalStage(t, "../Dockerfile"), finalStage(t, "Dockerfile.local")
	if strings.Join(full, "\n") != strings.Join(local, "\n") {
		t.Errorf("final stages differ:\nDockerfile:\n%s\nDockerfile.local:\n%s", strings.Join(full, "\n"), strings.Join(local, "\n"))
	}
	want := []string{
		"FROM scratch", "USER 65532:65532", `ENTRYPOINT ["/usr/local/bin/samo"]`, `CMD ["serve"]`,
		"ENV SAMO_ADDR=0.0.0.0:8080 SAMO_DATA_DIR=/data", `VOLUME ["/data"]`,
	}
	got := strings.Join(full, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("final stage lacks %q", w)
		}
	}
	if !strings.Contains(got, `HEALTHCHECK`) || !strings.Contains(got, `"healthcheck"]`) {
		t.Errorf("final stage has no HEALTHCHECK through samo healthcheck")
	}
}

func TestSystemdUnitHardening(t *testing.T) {
	b, err := os.ReadFile("samo.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=samo", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"CapabilityBoundingSet=\n", "LoadCredential=jwt_secret_key:", "JWT_SECRET_KEY_FILE=%d/jwt_secret_key",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("samo.service lacks %q", strings.TrimSpace(want))
		}
	}
}

func TestComposeProperties(t *testing.T) {
	d := docs(t, "compose.yaml")[0]
	services, _ := d["services"].(map[string]any)
	for _, s := range []string{"postgres", "redis", "samo1", "samo2", "lb", "prometheus"} {
		if services[s] == nil {
			t.Errorf("compose.yaml has no %s service", s)
		}
	}
	cmd, _ := get(services, "redis", "command").([]any)
	if len(cmd) == 0 || !strings.Contains(cmd[len(cmd)-1].(string), "--appendonly yes") {
		t.Errorf("redis command %v lacks --appendonly yes", cmd)
	}
	// Production refuses plaintext backends: Redis listens only on TLS,
	// PostgreSQL turns TLS on, and SAMO trusts the private CA.
	if len(cmd) == 0 || !strings.Contains(cmd[len(cmd)-1].(string), "--port 0 --tls-port 6379") {
		t.Errorf("redis command %v does not listen on TLS only", cmd)
	}
	pg, _ := get(services, "postgres", "command").([]any)
	if len(pg) == 0 || !strings.Contains(pg[len(pg)-1].(string), "-c ssl=on") {
		t.Errorf("postgres command %v does not turn TLS on", pg)
	}
	env, _ := get(services, "samo1", "environment").(map[string]any)
	if env["METRICS_ADDR"] == nil || env["JWT_SECRET_KEY"] != nil || env["JWT_SECRET_KEY_FILE"] == nil {
		t.Errorf("samo1 environment %v: want METRICS_ADDR and secrets as files", env)
	}
	if env["BACKEND_CA_FILE"] != "/run/secrets/internal_ca" {
		t.Errorf("samo1 BACKEND_CA_FILE = %v, want the internal CA secret", env["BACKEND_CA_FILE"])
	}
	haproxy, err := os.ReadFile("haproxy.cfg")
	// Dashboard sessions are shared through Redis: every request, pages
	// included, is balanced over both replicas with health checks.
	if err != nil || !strings.Contains(string(haproxy), "server samo1 samo1:8080 check") || !strings.Contains(string(haproxy), "server samo2 samo2:8080 check") {
		t.Errorf("haproxy.cfg does not balance over both replicas with health checks (%v)", err)
	}
}

// TestComposeBackendCertificateAuth: in the Compose deployment SAMO holds
// no backend password (ASVS V13.2.1). Its URLs carry none and it presents
// the client certificate internal-tls.sh issues; PostgreSQL admits network
// clients only over TLS with a certificate (pg_hba cert), Redis only with a
// certificate from the internal CA and no requirepass.
func TestComposeBackendCertificateAuth(t *testing.T) {
	d := docs(t, "compose.yaml")[0]
	services, _ := d["services"].(map[string]any)
	env, _ := get(services, "samo1", "environment").(map[string]any)
	for _, name := range []string{"DATABASE_URL", "REDIS_URL"} {
		raw, _ := env[name].(string)
		u, err := url.Parse(raw)
		if err != nil || raw == "" {
			t.Errorf("samo1 %s = %q: want a URL in the environment (it holds no secret)", name, raw)
			continue
		}
		if _, has := u.User.Password(); has {
			t.Errorf("samo1 %s holds a password", name)
		}
	}
	if !strings.Contains(env["DATABASE_URL"].(string), "sslmode=verify-full") {
		t.Errorf("DATABASE_URL %v lacks sslmode=verify-full", env["DATABASE_URL"])
	}
	if env["BACKEND_CLIENT_CERT_FILE"] != "/run/secrets/samo_client_cert" || env["BACKEND_CLIENT_KEY_FILE"] != "/run/secrets/samo_client_key" {
		t.Errorf("samo1 BACKEND_CLIENT_CERT_FILE/KEY_FILE = %v, %v; want the samo_client secrets", env["BACKEND_CLIENT_CERT_FILE"], env["BACKEND_CLIENT_KEY_FILE"])
	}
	secrets := fmt.Sprint(get(services, "samo1", "secrets"))
	for _, s := range []string{"samo_client_cert", "samo_client_key", "internal_ca"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("samo1 secrets %s lack %s", secrets, s)
		}
	}
	if strings.Contains(secrets, "redis_password") || strings.Contains(secrets, "postgres_password") {
		t.Errorf("samo1 secrets %s hold a backend password", secrets)
	}
	redisCmd, _ := get(services, "redis", "command").([]any)
	rc := fmt.Sprint(redisCmd)
	if !strings.Contains(rc, "--tls-auth-clients yes") || !strings.Contains(rc, "--tls-ca-cert-file /run/secrets/internal_ca") {
		t.Errorf("redis command %s does not require client certificates from the internal CA", rc)
	}
	if strings.Contains(rc, "requirepass") {
		t.Errorf("redis command %s sets a password", rc)
	}
	pgCmd, _ := get(services, "postgres", "command").([]any)
	pc := fmt.Sprint(pgCmd)
	if !strings.Contains(pc, "-c ssl_ca_file=/run/secrets/internal_ca") || !strings.Contains(pc, "-c hba_file=/etc/postgresql/pg_hba.conf") {
		t.Errorf("postgres command %s does not use the internal CA and pg_hba.conf", pc)
	}
	if vols := fmt.Sprint(get(services, "postgres", "volumes")); !strings.Contains(vols, "./pg_hba.conf:/etc/postgresql/pg_hba.conf:ro") {
		t.Errorf("postgres volumes %s do not mount pg_hba.conf", vols)
	}
	hba, err := os.ReadFile("pg_hba.conf")
	if err != nil {
		t.Fatal(err)
	}
	var network []string
	for _, line := range strings.Split(string(hba), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "local" {
			continue
		}
		network = append(network, strings.Join(f, " "))
	}
	if len(network) != 1 || network[0] != "hostssl all all all cert" {
		t.Errorf("pg_hba.conf network rules %q, want only \"hostssl all all all cert\"", network)
	}
}

// TestComposeLeastPrivilegeRoles (ASVS V13.2.2): the Compose deployment
// runs SAMO's replicas and bootstrap as the PostgreSQL role that may only
// read and write rows, with DATABASE_MIGRATE=false, and only after the
// one-off migrate service (samo init, as the owner role with the owner's
// certificate, the same image and hardening, and no secret but that
// certificate and the CA) has succeeded. The one-off bootstrap holds no
// secret but the replicas' certificate and the CA either. The roles are
// those the init SQL creates (TestComposeRolesSQL runs it), and the
// postgres image runs that SQL at its first start as its own superuser,
// which is neither role.
func TestComposeLeastPrivilegeRoles(t *testing.T) {
	services, _ := docs(t, "compose.yaml")[0]["services"].(map[string]any)
	urlUser := func(svc string) string {
		raw, _ := get(services, svc, "environment", "DATABASE_URL").(string)
		u, err := url.Parse(raw)
		if err != nil || u.User == nil {
			t.Errorf("%s DATABASE_URL %q names no role", svc, raw)
			return ""
		}
		return u.User.Username()
	}
	for _, svc := range []string{"samo1", "samo2", "bootstrap"} {
		env, _ := get(services, svc, "environment").(map[string]any)
		if env["DATABASE_MIGRATE"] != "false" {
			t.Errorf("%s DATABASE_MIGRATE = %v, want \"false\" (the runtime role cannot migrate)", svc, env["DATABASE_MIGRATE"])
		}
		if got := urlUser(svc); got != roleRuntime {
			t.Errorf("%s connects as %q, want the runtime role %s", svc, got, roleRuntime)
		}
		if env["BACKEND_CLIENT_CERT_FILE"] != "/run/secrets/samo_client_cert" {
			t.Errorf("%s BACKEND_CLIENT_CERT_FILE = %v, want the runtime role's certificate", svc, env["BACKEND_CLIENT_CERT_FILE"])
		}
		if secrets := fmt.Sprint(get(services, svc, "secrets")); strings.Contains(secrets, "samo_owner") {
			t.Errorf("%s secrets %s hold the owner role's certificate", svc, secrets)
		}
		if c := get(services, svc, "depends_on", "migrate", "condition"); c != "service_completed_successfully" {
			t.Errorf("%s depends_on.migrate.condition = %v, want service_completed_successfully", svc, c)
		}
	}

	boot, _ := services["bootstrap"].(map[string]any)
	bootEnv, _ := boot["environment"].(map[string]any)
	checkBootstrapNeedsOnlyKeys(t, "compose.yaml bootstrap", bootEnv, boot["secrets"])
	replicaEnv, _ := get(services, "samo1", "environment").(map[string]any)
	checkAsReplicas(t, "compose.yaml bootstrap", bootEnv, replicaEnv)
	if bootEnv["SECURITY_LEVEL"] != "production" {
		t.Errorf("bootstrap SECURITY_LEVEL = %v, want production", bootEnv["SECURITY_LEVEL"])
	}

	mig, _ := services["migrate"].(map[string]any)
	if mig == nil {
		t.Fatal("compose.yaml has no migrate service")
	}
	if cmd := fmt.Sprint(mig["command"]); cmd != "[init]" {
		t.Errorf("migrate command %s, want [init] (samo init migrates whatever DATABASE_MIGRATE says)", cmd)
	}
	if got := urlUser("migrate"); got != roleOwner {
		t.Errorf("migrate connects as %q, want the owner role %s", got, roleOwner)
	}
	env, _ := mig["environment"].(map[string]any)
	if env["BACKEND_CLIENT_CERT_FILE"] != "/run/secrets/samo_owner_cert" || env["BACKEND_CLIENT_KEY_FILE"] != "/run/secrets/samo_owner_key" {
		t.Errorf("migrate BACKEND_CLIENT_CERT_FILE/KEY_FILE = %v, %v; want the samo_owner secrets", env["BACKEND_CLIENT_CERT_FILE"], env["BACKEND_CLIENT_KEY_FILE"])
	}
	secrets := fmt.Sprint(mig["secrets"])
	if !strings.Contains(secrets, "samo_owner_cert") || !strings.Contains(secrets, "samo_owner_key") || strings.Contains(secrets, "samo_client") {
		t.Errorf("migrate secrets %s: want the owner's certificate and key, not the runtime role's", secrets)
	}
	checkMigrateNeedsOnlyTheStore(t, "compose.yaml migrate", env, mig["secrets"])
	if u, err := url.Parse(fmt.Sprint(env["DATABASE_URL"])); err == nil {
		if _, has := u.User.Password(); has || !strings.Contains(u.RawQuery, "sslmode=verify-full") {
			t.Errorf("migrate DATABASE_URL %s: want no password and sslmode=verify-full", u.Redacted())
		}
	}
	if mig["restart"] != "no" || mig["profiles"] != nil {
		t.Errorf("migrate restart %v, profiles %v: want a one-off (restart \"no\") that up runs before the replicas", mig["restart"], mig["profiles"])
	}
	if c := get(mig, "depends_on", "postgres", "condition"); c != "service_healthy" {
		t.Errorf("migrate depends_on.postgres.condition = %v, want service_healthy", c)
	}
	samo1, _ := services["samo1"].(map[string]any)
	for _, k := range []string{"image", "read_only", "user", "cap_drop", "security_opt", "networks"} {
		if fmt.Sprint(mig[k]) != fmt.Sprint(samo1[k]) {
			t.Errorf("migrate %s = %v, want samo1's %v", k, mig[k], samo1[k])
		}
	}

	// The postgres image runs the init SQL once, as its superuser.
	if vols := fmt.Sprint(get(services, "postgres", "volumes")); !strings.Contains(vols, "./postgres-init:/docker-entrypoint-initdb.d:ro") {
		t.Errorf("postgres volumes %s do not mount postgres-init/ into /docker-entrypoint-initdb.d", vols)
	}
	super := get(services, "postgres", "environment", "POSTGRES_USER")
	if super == roleOwner || super == roleRuntime {
		t.Errorf("POSTGRES_USER = %v: SAMO's roles must not be the image's superuser", super)
	}
	if hc := fmt.Sprint(get(services, "postgres", "healthcheck", "test")); !strings.Contains(hc, fmt.Sprint(super)) {
		t.Errorf("postgres healthcheck %s does not use POSTGRES_USER %v", hc, super)
	}
	sqlText, err := os.ReadFile(rolesSQL)
	if err != nil {
		t.Fatal(err)
	}
	var created []string
	for _, m := range regexp.MustCompile(`(?m)^CREATE ROLE (\w+)`).FindAllStringSubmatch(string(sqlText), -1) {
		created = append(created, m[1])
	}
	if fmt.Sprint(created) != fmt.Sprint([]string{roleOwner, roleRuntime}) {
		t.Errorf("%s creates the roles %v, want [%s %s] (the DATABASE_URLs' users)", rolesSQL, created, roleOwner, roleRuntime)
	}
	initFiles, _ := filepath.Glob("postgres-init/*")
	if len(initFiles) != 1 || initFiles[0] != rolesSQL {
		t.Errorf("postgres-init/ holds %v, want only %s (every file there runs at initialisation)", initFiles, rolesSQL)
	}
}

// checkMigrateNeedsOnlyTheStore: what runs `samo init` as the schema owner
// holds only what opening the store needs (config.ProfileStore; no
// migration needs a key). TestComposeRolesSQL shows that this is enough: it
// migrates with compose.yaml's environment.
func checkMigrateNeedsOnlyTheStore(t *testing.T, what string, env map[string]any, secrets any) {
	t.Helper()
	checkNeedsOnly(t, what, "samo init", config.ProfileStore, env, secrets)
}

// checkBootstrapNeedsOnlyKeys: what runs `samo admin bootstrap` holds only
// what creating the first admin and its key needs (config.ProfileKeys):
// no token-signing key, data key or alert secret. TestComposeRolesSQL
// bootstraps with compose.yaml's environment.
func checkBootstrapNeedsOnlyKeys(t *testing.T, what string, env map[string]any, secrets any) {
	t.Helper()
	checkNeedsOnly(t, what, "samo admin bootstrap", config.ProfileKeys, env, secrets)
}

// checkNeedsOnly: every variable in env (or its NAME_FILE) is one the
// command cmd reads (profile p), and neither env nor the secrets it is
// given (their names) hold a secret p does not read: the token-signing
// keys, the data key, the alert secret, and REDIS_URL unless p reads it.
func checkNeedsOnly(t *testing.T, what, cmd string, p config.Profile, env map[string]any, secrets any) {
	t.Helper()
	reads := p.Variables()
	for k := range env {
		if name := strings.TrimSuffix(k, "_FILE"); !slices.Contains(reads, k) && !slices.Contains(reads, name) {
			t.Errorf("%s sets %s, which %s does not read (profile %s: %v)", what, k, cmd, p, reads)
		}
	}
	held := strings.ToLower(fmt.Sprint(secrets))
	var unread []string
	for _, s := range config.Describe() {
		if s.Secret && !slices.Contains(reads, s.Name) {
			unread = append(unread, s.Name)
		}
	}
	for _, key := range []string{"JWT_SECRET_KEY", "JWT_PREVIOUS_SECRET_KEYS", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET"} {
		if !slices.Contains(unread, key) {
			t.Errorf("%s reads %s (profile %s)", cmd, key, p)
		}
	}
	for _, key := range unread {
		if env[key] != nil || env[key+"_FILE"] != nil {
			t.Errorf("%s is given %s: %s does not need it", what, key, cmd)
		}
		if strings.Contains(held, strings.ToLower(key)) {
			t.Errorf("%s holds the secret %s (%s): %s does not need it", what, strings.ToLower(key), held, cmd)
		}
	}
}

// checkAsReplicas: what bootstrap is given, it is given as the replicas
// are (replicas: their environment), so the first admin's key is made as
// theirs would be: each variable env sets has the replicas' value, and
// every API_KEY_* setting of the replicas is in env.
func checkAsReplicas(t *testing.T, what string, env, replicas map[string]any) {
	t.Helper()
	for k, v := range env {
		if r, ok := replicas[k]; ok && fmt.Sprint(r) != fmt.Sprint(v) {
			t.Errorf("%s %s = %v, the replicas' is %v", what, k, v, r)
		}
	}
	for k, v := range replicas {
		if strings.HasPrefix(k, "API_KEY_") && fmt.Sprint(env[k]) != fmt.Sprint(v) {
			t.Errorf("%s %s = %v, want the replicas' %v (the first admin's key is made as theirs)", what, k, env[k], v)
		}
	}
}
