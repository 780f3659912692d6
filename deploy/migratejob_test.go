package deploy

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/cli"
)

// checkMigrateJob (ASVS V13.2.2): kubernetes/migrate-job.yaml runs `samo
// init` as the schema owner samo_owner with the Deployment's restricted
// pod security (checkPod; the same pod securityContext), its own
// environment (not the ConfigMap, which names the replicas' secret files)
// and its own Secret, which holds only the owner's database_url: no JWT,
// encryption or alert key (checkMigrateNeedsOnlyTheStore), nothing of the
// replicas' Secret. The replicas' Secret logs in as the runtime role. And
// samo init accepts that environment in production: run with it (the
// mounted database_url pointing at a SQLite file, as no PostgreSQL is
// here), it migrates, demanding nothing more.
func checkMigrateJob(t *testing.T, job map[string]any, deploymentPod any, secrets []map[string]any) {
	t.Helper()
	pod := get(job, "spec", "template", "spec")
	checkPod(t, "migrate Job", pod)
	if got, want := fmt.Sprint(get(pod, "securityContext")), fmt.Sprint(get(deploymentPod, "securityContext")); got != want {
		t.Errorf("migrate Job pod securityContext %s, want the Deployment's %s", got, want)
	}
	if rp := get(pod, "restartPolicy"); rp != "OnFailure" && rp != "Never" {
		t.Errorf("migrate Job restartPolicy %v, want OnFailure or Never", rp)
	}
	if n, ok := get(job, "spec", "backoffLimit").(int); !ok || n < 1 {
		t.Errorf("migrate Job backoffLimit %v, want a bounded number of retries", get(job, "spec", "backoffLimit"))
	}
	containers, _ := get(pod, "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("migrate Job has %d containers, want 1", len(containers))
	}
	c := containers[0]
	if args := fmt.Sprint(get(c, "args")); args != "[init]" {
		t.Errorf("migrate Job args %s, want [init]", args)
	}
	if ef := get(c, "envFrom"); ef != nil {
		t.Errorf("migrate Job envFrom %v: the ConfigMap names the replicas' secrets; give it its own env", ef)
	}
	env := map[string]any{}
	for _, e := range get(c, "env").([]any) {
		if get(e, "valueFrom") != nil {
			t.Errorf("migrate Job env %v comes from elsewhere; want a value", get(e, "name"))
		}
		env[fmt.Sprint(get(e, "name"))] = get(e, "value")
	}
	if env["SECURITY_LEVEL"] != "production" || env["DATABASE_MIGRATE"] != "true" {
		t.Errorf("migrate Job SECURITY_LEVEL %v, DATABASE_MIGRATE %v; want production, \"true\"", env["SECURITY_LEVEL"], env["DATABASE_MIGRATE"])
	}

	// Its one Secret, mounted at mount, holds only the owner's URL.
	var secretName, mount string
	for _, v := range get(pod, "volumes").([]any) {
		if get(v, "name") == "secrets" {
			secretName, _ = get(v, "secret", "secretName").(string)
		}
	}
	for _, m := range get(c, "volumeMounts").([]any) {
		if get(m, "name") == "secrets" {
			mount, _ = get(m, "mountPath").(string)
		}
	}
	byName := map[string]map[string]any{}
	for _, s := range secrets {
		data, _ := get(s, "stringData").(map[string]any)
		byName[fmt.Sprint(get(s, "metadata", "name"))] = data
	}
	owned, ok := byName[secretName]
	if secretName == "samo-secrets" || !ok {
		t.Fatalf("migrate Job mounts the Secret %q; want its own example Secret, not the replicas' samo-secrets", secretName)
	}
	keys := make([]string, 0, len(owned))
	for k := range owned {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	checkMigrateNeedsOnlyTheStore(t, "kubernetes migrate Job", env, append(keys, secretName))
	if !slices.Equal(keys, []string{"database_url"}) {
		t.Errorf("Secret %s holds %v, want only database_url", secretName, keys)
	}
	file, _ := env["DATABASE_URL_FILE"].(string)
	if file != mount+"/database_url" {
		t.Errorf("migrate Job DATABASE_URL_FILE %q, want %s/database_url (the mounted Secret)", file, mount)
	}
	for name, want := range map[string]string{secretName: roleOwner, "samo-secrets": roleRuntime} {
		u, err := url.Parse(fmt.Sprint(byName[name]["database_url"]))
		if err != nil || u.User == nil || u.User.Username() != want || u.Query().Get("sslmode") != "verify-full" {
			t.Errorf("Secret %s database_url does not log in as %s with sslmode=verify-full (%v)", name, want, err)
		}
	}

	// samo init in production with exactly this environment.
	dir := t.TempDir()
	runJob(t, "migrate Job", jobEnv(t, "migrate Job", env, mount, dir, "sqlite:"+filepath.Join(dir, "samo.db")), "init")
	if _, err := os.Stat(filepath.Join(dir, "samo.db")); err != nil {
		t.Errorf("samo init with the migrate Job's environment did not create the database its DATABASE_URL_FILE names: %v", err)
	}
}

// jobEnv is a Job's environment as a local run of samo gets it: the
// mounted mount/database_url becomes a file under dir holding dbURL; a
// Job naming any other mounted file fails the test.
func jobEnv(t *testing.T, job string, env map[string]any, mount, dir, dbURL string) map[string]string {
	t.Helper()
	getenv := map[string]string{}
	for k, v := range env {
		val := fmt.Sprint(v)
		if val == mount+"/database_url" {
			p := filepath.Join(dir, "database_url")
			if err := os.WriteFile(p, []byte(dbURL), 0o600); err != nil {
				t.Fatal(err)
			}
			val = p
		} else if strings.HasPrefix(val, mount+"/") {
			t.Fatalf("%s %s names %s, which this test does not provide", job, k, val)
		}
		getenv[k] = val
	}
	return getenv
}

// runJob runs samo with args and the environment getenv, fails the test
// unless it exits 0, and returns what it printed.
func runJob(t *testing.T, job string, getenv map[string]string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := cli.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return getenv[k] }}
	if code := cli.Main(context.Background(), args, stdio); code != 0 {
		t.Errorf("samo %s with the %s's environment: exit %d\n%s%s", strings.Join(args, " "), job, code, out.String(), errOut.String())
	}
	return out.String()
}
