// Filled in by the custom SQL work (issue 6).
#include <gtest/gtest.h>
