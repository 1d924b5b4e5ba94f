// Streaming JSON with 2-space indentation, for sctl's -o json and the
// collector's JSON reports (string literals: shared/json_string.h).
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

namespace scout {

// The caller keeps calls balanced; Key() is only valid inside an object and
// must precede every value there. Not thread-safe; writes straight into the
// stream.
class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  // Non-finite values are written as null: JSON has no NaN or Inf.
  JsonWriter& Number(double value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);

 private:
  void BeforeValue();
  JsonWriter& Close(char bracket);

  struct Level {
    int count = 0;
  };
  std::ostream& out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace scout
