# kidtime — one Makefile for parents trying it, schools packaging it and contributors testing it.
# `make run` and `make test` set up everything they need on a fresh Debian/Ubuntu machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
export PATH := $(PATH):$(GOBIN)

BUILD := build
# `make run` keeps its data in a local folder (private, no root needed); the socket sits in a
# folder of /tmp every account can reach, as /run/kidtime is when installed, so that a child's
# companion can be tried too (README: "Try the child's side").
DATA_DIR ?= $(CURDIR)/.kidtime-data
SOCKET ?= /tmp/kidtime-$(shell id -u)/kidtimed.sock
CROSS_CMDS := ./cmd/kidtimed ./cmd/kidtime ./cmd/kidtime-hub

.PHONY: all deps build run test prewarm test-unit test-windows test-e2e lint fmt-check vet staticcheck cross bench bench-idle screenshots demo clean package package-deb package-msi package-deps pkgtest

all: build

## deps: install what the build needs when it is missing (apt packages for Fyne, Xvfb, staticcheck)
deps:
	@bash installer/dev/setup.sh

## build: the three programs into ./build
build:
	@mkdir -p $(BUILD)
	CGO_ENABLED=0 $(GO) build -o $(BUILD)/ $(CROSS_CMDS)
	@if [ -d cmd/kidtime-app ]; then $(GO) build -o $(BUILD)/ ./cmd/kidtime-app; fi

## run: set up, build, and start the product on a local data folder
run: deps build
	@bash installer/dev/run.sh "$(BUILD)" "$(DATA_DIR)" "$(SOCKET)"

## test: formatting, vet, staticcheck, race tests, cross-builds, the Windows tests under Wine, and the end-to-end suite (its tests skip unless root)
test: deps prewarm lint cross test-unit test-windows test-e2e

# prewarm: the Windows app's cold cgo build, started in the background at the lowest priority
# (installer/wine/prewarm.sh); test-windows waits for it before its MSI.
prewarm: deps
	@bash installer/wine/prewarm.sh start

lint: fmt-check vet staticcheck

fmt-check:
	@echo "==> gofmt"
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@echo "==> go vet"
	$(GO) vet ./...

staticcheck:
	@echo "==> staticcheck"
	staticcheck ./...

## cross: the daemon and the CLI must build without cgo for Windows and macOS
cross:
	@echo "==> cross-builds (CGO_ENABLED=0)"
	@for os in windows darwin; do \
		echo "GOOS=$$os go build $(CROSS_CMDS)"; \
		GOOS=$$os GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null $(CROSS_CMDS) || exit 1; \
		GOOS=$$os GOARCH=amd64 CGO_ENABLED=0 $(GO) vet $(CROSS_CMDS) ./agent/... || exit 1; \
	done

test-unit:
	@echo "==> go test -race ./..."
	@mkdir -p $(BUILD)
	@status=0; $(GO) test -race -json -timeout 20m ./... > $(BUILD)/test-unit.json || status=$$?; \
	$(GO) run ./installer/testsum unit < $(BUILD)/test-unit.json || status=1; exit $$status

## test-windows: the Windows build of the unit tests, then the MSI end-to-end, under Wine in a throwaway prefix made fresh each run (build/wine/prefix)
# Every package that builds for Windows but cmd/kidtime-app, which needs cgo (Fyne's GLFW driver),
# and the rest of the UI, ui/ (ui/companion's tests do not build for Windows): the app's Windows
# build (MinGW-w64) runs in the end-to-end instead, from the MSI (--self-check, then the console and
# the companion drawn on Xvfb). -count=1: the results depend
# on Wine and its prefix, which the test cache does not see. installer/wine/ says what the shim DLL,
# the -exec wrapper and the -overlay (os.RemoveAll under Wine 8) are; installer/wine/e2e (a Linux
# test that drives Wine: wixl, msiexec, the service, kidtime.exe, a game, the app) shares the prefix
# and the summary line. Its -timeout covers the app's cold MinGW build (minutes: GLFW and go-gl's C).
test-windows: deps
	@echo "==> GOOS=windows go test under Wine (installer/wine)"
	@mkdir -p $(BUILD)
	@pkgs=$$(GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) list -e ./... | grep -vE '/ui(/|$$)|/cmd/kidtime-app$$'); \
	overlay=$$(bash installer/wine/overlay.sh); \
	bash installer/wine/prefix.sh || { bash installer/wine/prefix.sh stop; exit 1; }; \
	status=0; GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) test -json -count=1 -timeout 20m -overlay "$$overlay" \
		-exec "$(CURDIR)/installer/wine/exec.sh" $$pkgs > $(BUILD)/test-windows.json || status=$$?; \
	bash installer/wine/prewarm.sh wait; \
	echo "==> the MSI end-to-end under Wine (installer/wine/e2e)"; \
	$(GO) test -tags kidtime_wine_e2e -json -count=1 -timeout 30m ./installer/wine/e2e/ >> $(BUILD)/test-windows.json || status=$$?; \
	bash installer/wine/prefix.sh stop; \
	$(GO) run ./installer/testsum windows < $(BUILD)/test-windows.json || status=1; exit $$status

## test-e2e: the real daemon, real users, real processes (root; as anyone else every test reports itself skipped)
test-e2e:
	@if [ ! -d agent/e2e ]; then echo "==> e2e: no suite yet"; exit 0; fi; \
	skipsok=; note=; if [ "$$(id -u)" != 0 ]; then skipsok=-skips-ok; note=" (not root: the tests skip, they create Linux users)"; fi; \
	echo "==> go test -tags e2e ./agent/e2e/...$$note"; mkdir -p $(BUILD); \
	status=0; $(GO) test -tags e2e -json -count=1 -timeout 15m ./agent/e2e/... > $(BUILD)/test-e2e.json || status=$$?; \
	$(GO) run ./installer/testsum $$skipsok e2e < $(BUILD)/test-e2e.json || status=1; exit $$status

## bench: the benchmarks of DESIGN.md §10 (compare runs with benchstat), then bench-idle
bench:
	@mkdir -p $(BUILD)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./... | tee $(BUILD)/bench.txt
	@$(MAKE) --no-print-directory bench-idle

## bench-idle: the whole daemon idle, beside Timekpr-nExT, on a real logind session of a throwaway child, then under an exec storm and a two-core build of another account (Linux, root; about 25 min; BENCH_WINDOW=20s for a quick run)
bench-idle:
	@if [ "$$(uname -s)" != Linux ] || [ "$$(id -u)" != 0 ]; then echo "==> bench-idle: skipped (Linux and root only: it makes accounts, a bus and a logind session)"; exit 0; fi; \
	mkdir -p $(BUILD); echo "==> bench-idle (windows of $${BENCH_WINDOW:-2m})"; \
	$(GO) run ./installer/benchidle | tee $(BUILD)/bench-idle.txt

## screenshots: every console screen and the companion, in Vietnamese and English, into build/screenshots/; then the Windows build's console and companion drawn under Wine (build/screenshots/windows/)
screenshots: deps
	@bash installer/dev/screenshots.sh
	@echo "==> the Windows app under Wine and Xvfb (installer/wine/screenshots.sh)"
	@bash installer/wine/screenshots.sh

## demo: the console (DEMO=companion: the child's companion) against an in-memory agent with made-up data; the PIN is 135790
demo: deps
	$(GO) test -count=1 -timeout 0 -run '^TestDemo$$' ./cmd/kidtime-app -args -demo $(or $(DEMO),console)

## package: the .deb (nfpm) and the Windows MSI (wixl; the service, the CLI and the app, cross-built with MinGW-w64) into build/pkg
package: build
	@bash installer/package.sh all

package-deb: build
	@bash installer/package.sh deb

package-msi:
	@bash installer/package.sh msi

package-deps:
	@command -v wixl >/dev/null && command -v lintian >/dev/null && command -v desktop-file-validate >/dev/null || apt-get install -y wixl msitools lintian desktop-file-utils

## pkgtest: build the .deb and check it for real: contents, lintian, dpkg -i/-r/--purge (root; changes this machine)
pkgtest: build
	@if [ "$$(id -u)" != 0 ]; then echo "==> pkgtest: skipped (needs root: it installs the .deb)"; exit 0; fi; \
	bash installer/pkgtest.sh

clean:
	rm -rf $(BUILD)
