#include "libs/kafka/partitioning.h"

#include <algorithm>

namespace piao::kafka {

int32_t Murmur2(absl::string_view key) {
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const size_t length = key.size();
  uint32_t h = seed ^ static_cast<uint32_t>(length);
  const size_t length4 = length / 4;
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(key[i])); };
  for (size_t i = 0; i < length4; ++i) {
    const size_t i4 = i * 4;
    uint32_t k = byte(i4) | (byte(i4 + 1) << 8) | (byte(i4 + 2) << 16) | (byte(i4 + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = length & ~size_t{3};
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t PartitionOf(absl::string_view administration, int32_t partition_count) {
  if (partition_count <= 1) return 0;
  // Utils.toPositive: the sign bit dropped, not the absolute value.
  const uint32_t positive = static_cast<uint32_t>(Murmur2(administration)) & 0x7fffffffu;
  return static_cast<int32_t>(positive % static_cast<uint32_t>(partition_count));
}

std::string AdministrationOfStream(const v1::StreamRef& stream) {
  const std::string& id = stream.aggregate_id();
  return id.substr(0, id.find('/'));
}

PartitionShare PartitionShare::All(int32_t count) {
  PartitionShare s;
  s.count = std::max(count, 1);
  s.owned.clear();
  for (int32_t p = 0; p < s.count; ++p) s.owned.push_back(p);
  return s;
}

bool PartitionShare::Owns(int32_t partition) const {
  return std::binary_search(owned.begin(), owned.end(), partition);
}

}  // namespace piao::kafka
