// The host uses the SDK's Status/StatusOr, so errors keep one shape from a plugin to the CLI.
#pragma once

#include <baraza/sdk/Status.hpp>

namespace baraza {
using sdk::Code;
using sdk::failedPrecondition;
using sdk::internal;
using sdk::invalidArgument;
using sdk::notFound;
using sdk::Status;
using sdk::StatusOr;
using sdk::unavailable;
using sdk::unimplemented;
}  // namespace baraza
