package api

// SecurityDeps are the dependencies of the security-operations routes
// (events, status, reports, incidents, IP blocks).
type SecurityDeps struct{}

// securityRoutes are the admin routes for security operations.
func (a *API) securityRoutes() []Route { return nil }
