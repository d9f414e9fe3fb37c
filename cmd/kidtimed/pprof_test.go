package main

import "testing"

func TestProfileRate(t *testing.T) {
	defer func() { cpuHz = 0 }()
	for _, tc := range []struct {
		env     string
		want    int
		wantErr bool
	}{
		{"", 0, false},
		{"1000", 1000, false},
		{"250", 250, false},
		{"1", 1, false},
		{"0", 0, true},
		{"1001", 0, true},
		{"-5", 0, true},
		{"fast", 0, true},
	} {
		t.Run(tc.env, func(t *testing.T) {
			cpuHz = 0
			t.Setenv(envPprofHz, tc.env)
			err := profileRate()
			if (err != nil) != tc.wantErr {
				t.Fatalf("profileRate() with %s=%q: err %v, want error %v", envPprofHz, tc.env, err, tc.wantErr)
			}
			if cpuHz != tc.want {
				t.Errorf("%s=%q: rate %d, want %d", envPprofHz, tc.env, cpuHz, tc.want)
			}
		})
	}
}
