// The HTTP types the Prometheus API is written against
// (scout::http::Request/Response/Reply/Handler/Router).
#pragma once

#include "shared/http/router.h"
