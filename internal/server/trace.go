package server

import (
	"net/http"
	"net/netip"
)

// maxRequestIDLen caps an X-Request-ID accepted from a trusted proxy.
const maxRequestIDLen = 128

// fromTrustedProxy reports whether the connection's peer is one of
// TRUSTED_PROXIES, whose X-Forwarded-*, X-Request-ID and traceparent
// headers are believed.
func fromTrustedProxy(r *http.Request, proxies []netip.Prefix) bool {
	if len(proxies) == 0 {
		return false
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a := peer.Addr().Unmap()
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// validRequestID accepts 1 to 128 characters from [A-Za-z0-9._:-] (UUIDs,
// ULIDs, gateway ids), so a forwarded id can go into logs and headers as is.
func validRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// validTraceparent accepts a W3C Trace Context traceparent of version 00
// (or a later version's first 55 characters followed by "-..."):
// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", lowercase, with
// neither id all zeros.
func validTraceparent(s string) bool {
	if len(s) < 55 || len(s) > 512 {
		return false
	}
	if s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return false
	}
	if !lowerHex(s[0:2]) || s[0:2] == "ff" || !lowerHex(s[3:35]) || !lowerHex(s[36:52]) || !lowerHex(s[53:55]) {
		return false
	}
	if s[0:2] == "00" && len(s) != 55 {
		return false
	}
	if len(s) > 55 && s[55] != '-' {
		return false
	}
	return !allZero(s[3:35]) && !allZero(s[36:52])
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}
