// The byte-level encodings the storage formats are built from: LEB128
// varints, zig-zag signed integers and fixed-width little-endian values.
// Chunks (point_codec.h), log records and quantile sketches
// (quantile_sketch.h) all use these, so their bytes stay compatible with
// every database written so far: changing any function here changes the
// on-disk format.
//
// Inline: these sit in the inner loops of chunk and sketch decoding.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace scout::collector {

// Maps small negative and positive numbers to small unsigned ones.
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// 7 bits a byte, low bits first, high bit set on every byte but the last.
inline void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads one varint from the front of *in and consumes it; false when *in
// ends inside it (or it is longer than 10 bytes).
inline bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Fixed-width values in the machine's byte order, which is little-endian
// on every platform Scout builds for (x86-64, arm64).
template <typename T>
void PutFixed(T v, std::string* out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

// REQUIRES: p points at sizeof(T) readable bytes.
template <typename T>
T LoadFixed(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Reads and consumes one value; false when *in is too short.
template <typename T>
bool GetFixed(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  *v = LoadFixed<T>(in->data());
  in->remove_prefix(sizeof(T));
  return true;
}

}  // namespace scout::collector
