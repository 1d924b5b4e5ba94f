// The HTTP types the Prometheus API is written against (SPEC-17's
// scout::http::Request/Response/Reply/Handler/Router). The one include to
// change at integration: "shared/http/http_server.h".
#pragma once

#include "collector/prom_api/http_types_shim.h"
