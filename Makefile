# Thin wrapper over CMake presets. The two commands a newcomer needs: `make run` and `make test`.
PRESET ?= default
BUILD_DIR := build/$(PRESET)
BARAZA := $(BUILD_DIR)/core/app/baraza

.PHONY: deps configure build test run package bench clean

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET)

test: build
	ctest --preset $(PRESET)

run: build
	@scripts/dev-setup.sh $(BUILD_DIR)
	exec $(BARAZA) serve --config var/etc/baraza.properties

package: build
	cd $(BUILD_DIR) && cpack -G "DEB;RPM"
	@ls -1 $(BUILD_DIR)/*.deb $(BUILD_DIR)/*.rpm

bench: build
	$(BUILD_DIR)/bench/store_bench
	$(BUILD_DIR)/bench/webhook_ingest
	$(BUILD_DIR)/bench/outbound_bench

clean:
	rm -rf build
