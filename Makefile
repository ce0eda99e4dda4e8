# Thin wrapper over CMake presets. The two commands a newcomer needs: `make run` and `make test`.
PRESET ?= default
BUILD_DIR := build/$(PRESET)

.PHONY: deps configure build test test-asan test-tsan run package bench fuzz clean

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET)

test: build
	ctest --preset $(PRESET)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (build/debug) and under
# ThreadSanitizer (build/tsan); the first report ends its process, so it fails the test.
test-asan:
	@$(MAKE) --no-print-directory test PRESET=debug

test-tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

run: build
	@scripts/dev-setup.sh $(BUILD_DIR)
	@scripts/run-dev.sh $(BUILD_DIR)

package: build
	cd $(BUILD_DIR) && cpack -G "DEB;RPM"
	@ls -1 $(BUILD_DIR)/*.deb $(BUILD_DIR)/*.rpm

bench: build
	$(BUILD_DIR)/bench/store_bench
	$(BUILD_DIR)/bench/webhook_ingest
	$(BUILD_DIR)/bench/outbound_bench
	$(BUILD_DIR)/bench/flows_endpoint
	$(BUILD_DIR)/bench/conversation_bench

# libFuzzer on the Flows request decoder, with ASan/UBSan, for FUZZ_SECONDS (CI runs it briefly).
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
	@cmake --build build/fuzz
	@mkdir -p build/fuzz/corpus && cp -n fuzz/corpus/flow_request/* build/fuzz/corpus/
	build/fuzz/flow_request_fuzzer -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	  -print_final_stats=1 build/fuzz/corpus

clean:
	rm -rf build
