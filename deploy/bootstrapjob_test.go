package deploy

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkBootstrapJob (ASVS V13.2.2): kubernetes/bootstrap-job.yaml runs
// `samo admin bootstrap` as the runtime role with the Deployment's pod
// security, its own environment (not the ConfigMap, which names the
// replicas' secret files) with the replicas' values (configMap) for what it
// sets, and of the replicas' Secret only the keys it reads (items): no JWT,
// encryption or alert key (checkBootstrapNeedsOnlyKeys). And samo admin
// bootstrap accepts that environment in production: run with it (the
// mounted database_url pointing at a SQLite file samo init created, as no
// PostgreSQL is here), it creates the first admin, demanding nothing more.
func checkBootstrapJob(t *testing.T, job, deploymentPod any, configMap map[string]any, secrets []map[string]any) {
	t.Helper()
	pod := get(job, "spec", "template", "spec")
	if got, want := fmt.Sprint(get(pod, "securityContext")), fmt.Sprint(get(deploymentPod, "securityContext")); got != want {
		t.Errorf("bootstrap Job pod securityContext %s, want the Deployment's %s", got, want)
	}
	c := get(pod, "containers", "0")
	if ef := get(c, "envFrom"); ef != nil {
		t.Errorf("bootstrap Job envFrom %v: the ConfigMap names the replicas' secrets; give it its own env", ef)
	}
	env := map[string]any{}
	envList, _ := get(c, "env").([]any)
	for _, e := range envList {
		if get(e, "valueFrom") != nil {
			t.Errorf("bootstrap Job env %v comes from elsewhere; want a value", get(e, "name"))
		}
		env[fmt.Sprint(get(e, "name"))] = get(e, "value")
	}
	if env["SECURITY_LEVEL"] != "production" || env["DATABASE_MIGRATE"] != "false" {
		t.Errorf("bootstrap Job SECURITY_LEVEL %v, DATABASE_MIGRATE %v; want production, \"false\"", env["SECURITY_LEVEL"], env["DATABASE_MIGRATE"])
	}
	checkAsReplicas(t, "bootstrap Job", env, configMap)

	// The replicas' Secret, of which only the listed items are mounted.
	var secretName, mount string
	var items []string
	for _, v := range get(pod, "volumes").([]any) {
		if get(v, "name") != "secrets" {
			continue
		}
		secretName, _ = get(v, "secret", "secretName").(string)
		list, _ := get(v, "secret", "items").([]any)
		for _, it := range list {
			if k, p := fmt.Sprint(get(it, "key")), fmt.Sprint(get(it, "path")); k != p {
				t.Errorf("bootstrap Job mounts the Secret's %s as %s; want its own name", k, p)
			}
			items = append(items, fmt.Sprint(get(it, "key")))
		}
	}
	for _, m := range get(c, "volumeMounts").([]any) {
		if get(m, "name") == "secrets" {
			mount, _ = get(m, "mountPath").(string)
		}
	}
	var held []string
	for _, s := range secrets {
		if get(s, "metadata", "name") != secretName {
			continue
		}
		data, _ := get(s, "stringData").(map[string]any)
		for k := range data {
			if len(items) == 0 || slices.Contains(items, k) {
				held = append(held, k)
			}
		}
	}
	slices.Sort(held)
	if secretName != "samo-secrets" || !slices.Contains(held, "database_url") {
		t.Errorf("bootstrap Job mounts %v of the Secret %q; want the replicas' samo-secrets (their role) and its database_url", held, secretName)
	}
	checkBootstrapNeedsOnlyKeys(t, "kubernetes bootstrap Job", env, held)
	if file, _ := env["DATABASE_URL_FILE"].(string); file != mount+"/database_url" {
		t.Errorf("bootstrap Job DATABASE_URL_FILE %q, want %s/database_url (the mounted Secret)", file, mount)
	}

	// samo admin bootstrap in production with exactly this environment,
	// on a schema samo init made (DATABASE_MIGRATE is false).
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "samo.db")
	local := map[string]string{"SECURITY_LEVEL": "production", "DATABASE_URL": dbURL}
	runJob(t, "bootstrap Job", local, "init")
	runJob(t, "bootstrap Job", jobEnv(t, "bootstrap Job", env, mount, dir, dbURL), "admin", "bootstrap")
	// The admin is in the database the Job's DATABASE_URL_FILE names.
	if got := runJob(t, "bootstrap Job", local, "users", "list"); !strings.Contains(got, "admin") {
		t.Errorf("after samo admin bootstrap with the Job's environment, its database lists no admin user:\n%s", got)
	}
}
