package app

import "strconv"

// Share says how other people reach this server; the footer builds from it
// the lines that open the run on screen elsewhere.
type Share struct {
	// SSHHost is the host visitors ssh to, e.g. "overfit.example.com";
	// empty (local play) shows only "--join <run-id>".
	SSHHost string
	// SSHPort is the SSH port; 22 (or 0) is left out of the command.
	SSHPort int
	// Web is the base URL of the web viewer, e.g. "https://overfit.example.com";
	// empty shows no web link.
	Web string
}

// SSHLine is the one-word join: the ssh user name is the run id.
func (s Share) SSHLine(id string) string {
	if s.SSHHost == "" {
		return "--join " + id
	}
	if s.SSHPort == 0 || s.SSHPort == 22 {
		return "ssh " + id + "@" + s.SSHHost
	}
	return "ssh -p " + strconv.Itoa(s.SSHPort) + " " + id + "@" + s.SSHHost
}

// WebLink is the address of the run in a browser, or "" without a web viewer.
func (s Share) WebLink(id string) string {
	if s.Web == "" {
		return ""
	}
	return s.Web + "/r/" + id
}
