package agent

// Windows services: read one, set its state and start type, and restart it
// with the services that depend on it. A service is named by its service
// name (LanmanServer), never its display name (Server), matching
// ServiceNamePattern: Windows forbids "/" and "\" in service names, and
// Get-Service -Name would take "*", "?" and "[" as wildcards.

// CodeServiceNotFound: no service of that name is installed.
const CodeServiceNotFound = "service_not_found"

// Start types as Set-Service -StartupType names them, in wire form.
const (
	StartAutomatic = "automatic"
	StartManual    = "manual"
	StartDisabled  = "disabled"
)

// Service is one service as Get-Service reports it. DependentServices are
// the services that depend on it, directly or not, in the order a stop
// stops them (ServiceController.DependentServices, which is
// EnumDependentServices: "in reverse order of start").
type Service struct {
	Name              string   `json:"name"`
	DisplayName       string   `json:"display_name"`
	State             string   `json:"state"`      // ServiceRunning, ServiceStopped, ...
	StartType         string   `json:"start_type"` // StartAutomatic, StartManual, StartDisabled, or "boot"/"system" for drivers
	DependentServices []string `json:"dependent_services"`
}

// ServiceGetParams names the service.
type ServiceGetParams struct {
	Name string `json:"name"`
}

// ServiceGetResult is the service.
type ServiceGetResult struct {
	Service Service `json:"service"`
}

// ServiceSetParams sets a service's start type and state; empty fields are
// left as they are. Stopping a service stops the services that depend on
// it first (Stop-Service -Force); starting it starts what it depends on.
type ServiceSetParams struct {
	Name      string `json:"name"`
	State     string `json:"state,omitempty"`      // ServiceRunning or ServiceStopped
	StartType string `json:"start_type,omitempty"` // StartAutomatic, StartManual or StartDisabled
}

// ServiceSetResult is the service after the change, and whether anything
// changed.
type ServiceSetResult struct {
	Service Service `json:"service"`
	Changed bool    `json:"changed"`
}

// ServiceRestartParams names the service to restart.
type ServiceRestartParams struct {
	Name string `json:"name"`
}

// ServiceRestartResult says what the restart did: Stopped in the order
// they stopped (the running dependents first, the service last), Started in
// the order they started (the service first, then the dependents that were
// running, in the reverse of their stop order). A stopped service is
// started, and its dependents are left as they are.
type ServiceRestartResult struct {
	Stopped []string `json:"stopped"`
	Started []string `json:"started"`
	Service Service  `json:"service"`
}
