package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig(t.Context(), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.DialAddr != "127.0.0.1:2222" || c.Width != 120 || c.Height != 40 || c.FrameGap != 20*time.Millisecond {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestParseConfigRefusesRemoteTargets(t *testing.T) {
	_, err := parseConfig(t.Context(), []string{"-addr", "192.0.2.7:22"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "non-loopback") || !strings.Contains(err.Error(), "-allow-remote") {
		t.Fatalf("remote target: err = %v", err)
	}
	c, err := parseConfig(t.Context(), []string{"-addr", "192.0.2.7:22", "-allow-remote"}, io.Discard)
	if err != nil || c.DialAddr != "192.0.2.7:22" {
		t.Fatalf("remote target with -allow-remote: %v %+v", err, c)
	}
	_, err = parseConfig(t.Context(), []string{"-metrics-url", "http://192.0.2.7:9222/metrics"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Fatalf("remote metrics url: err = %v", err)
	}
	c, err = parseConfig(t.Context(), []string{"-addr", "[::1]:2299"}, io.Discard)
	if err != nil || c.DialAddr != "[::1]:2299" {
		t.Fatalf("ipv6 loopback: %v %+v", err, c)
	}
}

func TestParseConfigRejectsBadValues(t *testing.T) {
	bad := [][]string{
		{"-sessions", "0"},
		{"-sessions", "20001"},
		{"-ramp", "0"},
		{"-sessions", "1000", "-ramp", "0.1"},
		{"-duration", "2h"},
		{"-size", "120"},
		{"-size", "0x40"},
		{"-size", "65535x65535"},
		{"-pid", "1", "-metrics-url", "http://127.0.0.1:9222/metrics"},
		{"-metrics-url", "ftp://127.0.0.1/x"},
		{"-addr", "localhost"},
		{"extra"},
	}
	for _, args := range bad {
		if _, err := parseConfig(t.Context(), args, io.Discard); err == nil {
			t.Errorf("parseConfig(%q) succeeded, want error", args)
		}
	}
}

func TestParseSize(t *testing.T) {
	w, h, err := parseSize("200X60")
	if err != nil || w != 200 || h != 60 {
		t.Fatalf("parseSize = %d %d %v", w, h, err)
	}
}
