// apcb — the 256-bit AP mask (adapters, domains, control domains).
//
// Every AP mask of the architecture (QCI masks, the AP bus apmask/aqmask, an mdev's assigned
// matrix, its shadow APCB, the CRYCB's APCB1) is a 256-bit string numbered MSB-0: ID 0 is the
// leftmost bit. apcb stores it the way the kernel does, as 4 × 64-bit words where ID i lives in
// word i/64 at value bit 63 − i%64, so word values and hex renderings match the kernel exactly
// and whole-mask operations work a word at a time.
#ifndef APCB_MODEL_MASK_H_
#define APCB_MODEL_MASK_H_

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace apcb::model {

// An AP ID: an adapter number (APID), a usage domain (APQI) or a control domain; always 0..255.
using ApId = std::uint8_t;

class Mask {
 public:
  static constexpr int kBits = 256;
  static constexpr int kWords = 4;
  using Words = std::array<std::uint64_t, kWords>;

  constexpr Mask() = default;
  constexpr explicit Mask(const Words& words) : words_(words) {}

  // The mask with every ID 0..255 set.
  static constexpr Mask all() { return Mask(Words{~0ULL, ~0ULL, ~0ULL, ~0ULL}); }
  // The mask with exactly `id` set.
  static constexpr Mask single(ApId id) {
    Mask m;
    m.set(id);
    return m;
  }
  // IDs lo..hi inclusive (clipped to 0..255); empty when lo > hi. A word at a time: the bus's
  // maxima are ranges, built for every step that asks which queue devices exist.
  static constexpr Mask range(int lo, int hi) {
    Mask m;
    if (lo < 0) lo = 0;
    if (hi >= kBits) hi = kBits - 1;
    for (int w = lo / 64; lo <= hi && w <= hi / 64; ++w) {
      const int first = (lo > w * 64 ? lo : w * 64) - w * 64;     // within the word, MSB-0
      const int last = (hi < w * 64 + 63 ? hi : w * 64 + 63) - w * 64;
      m.words_[static_cast<std::size_t>(w)] = (~0ULL >> first) & (~0ULL << (63 - last));
    }
    return m;
  }
  // IDs 0..max inclusive: the IDs a `*_max` value allows.
  static constexpr Mask up_to(int max) { return range(0, max); }
  static Mask of(std::initializer_list<int> ids) {
    Mask m;
    for (int id : ids) m.set(static_cast<ApId>(id));
    return m;
  }

  constexpr const Words& words() const { return words_; }
  constexpr std::uint64_t word(int i) const { return words_[static_cast<std::size_t>(i)]; }

  constexpr bool test(ApId id) const { return (words_[id / 64] >> (63 - id % 64)) & 1U; }
  constexpr void set(ApId id) { words_[id / 64] |= bit_of(id); }
  constexpr void clear(ApId id) { words_[id / 64] &= ~bit_of(id); }
  constexpr void assign(ApId id, bool value) { value ? set(id) : clear(id); }

  constexpr bool empty() const { return (words_[0] | words_[1] | words_[2] | words_[3]) == 0; }
  constexpr bool any() const { return !empty(); }
  constexpr int count() const {
    return std::popcount(words_[0]) + std::popcount(words_[1]) + std::popcount(words_[2]) +
           std::popcount(words_[3]);
  }
  // Lowest set ID, or -1 when empty.
  constexpr int first() const {
    for (int w = 0; w < kWords; ++w)
      if (words_[w] != 0) return w * 64 + std::countl_zero(words_[w]);
    return -1;
  }
  constexpr bool subset_of(const Mask& o) const { return ((*this) & ~o).empty(); }
  constexpr bool intersects(const Mask& o) const { return ((*this) & o).any(); }

  // Calls f(ApId) for every set ID in ascending order.
  template <typename F>
  constexpr void for_each(F&& f) const {
    for (int w = 0; w < kWords; ++w) {
      std::uint64_t bits = words_[w];
      while (bits != 0) {
        int lead = std::countl_zero(bits);
        f(static_cast<ApId>(w * 64 + lead));
        bits &= ~(1ULL << (63 - lead));
      }
    }
  }
  std::vector<int> ids() const {
    std::vector<int> out;
    for_each([&](ApId id) { out.push_back(id); });
    return out;
  }

  // 64 lower-case hex digits, ID 0 leftmost, no prefix: the kernel's `%016lx` × 4.
  std::string hex() const;

  friend constexpr Mask operator&(const Mask& a, const Mask& b) {
    return Mask(Words{a.words_[0] & b.words_[0], a.words_[1] & b.words_[1],
                      a.words_[2] & b.words_[2], a.words_[3] & b.words_[3]});
  }
  friend constexpr Mask operator|(const Mask& a, const Mask& b) {
    return Mask(Words{a.words_[0] | b.words_[0], a.words_[1] | b.words_[1],
                      a.words_[2] | b.words_[2], a.words_[3] | b.words_[3]});
  }
  friend constexpr Mask operator^(const Mask& a, const Mask& b) {
    return Mask(Words{a.words_[0] ^ b.words_[0], a.words_[1] ^ b.words_[1],
                      a.words_[2] ^ b.words_[2], a.words_[3] ^ b.words_[3]});
  }
  constexpr Mask operator~() const {
    return Mask(Words{~words_[0], ~words_[1], ~words_[2], ~words_[3]});
  }
  constexpr Mask& operator&=(const Mask& o) { return *this = *this & o; }
  constexpr Mask& operator|=(const Mask& o) { return *this = *this | o; }
  // Set difference a ∖ b.
  friend constexpr Mask operator-(const Mask& a, const Mask& b) { return a & ~b; }
  constexpr Mask& operator-=(const Mask& o) { return *this = *this - o; }
  // Branch-free, without the defaulted form's memcmp call: checks compare masks by the
  // hundred per step (queue-table rows, whole states).
  friend constexpr bool operator==(const Mask& a, const Mask& b) {
    return ((a.words_[0] ^ b.words_[0]) | (a.words_[1] ^ b.words_[1]) | (a.words_[2] ^ b.words_[2]) |
            (a.words_[3] ^ b.words_[3])) == 0;
  }

 private:
  static constexpr std::uint64_t bit_of(ApId id) { return 1ULL << (63 - id % 64); }
  Words words_{};
};

// One mask per adapter: the rows of a relation over APQNs (State::unbound). Equality is one
// memcmp of the whole table, because whole states are compared on every checked step of the
// lockstep harnesses and a mask-by-mask loop over 256 rows was most of that cost.
struct MaskRows : std::array<Mask, 256> {
  friend bool operator==(const MaskRows& a, const MaskRows& b) {
    static_assert(std::has_unique_object_representations_v<Mask>, "Mask must be plain words");
    return std::memcmp(a.data(), b.data(), sizeof(Mask) * 256) == 0;
  }
};

// An ID set in apcb's syntax (the trace format's, explain's): "-" when empty, else hex IDs
// and ranges, each ID `digits` wide.
//
// Example: format_id_set(adapters {5, 6, 7, 10}, 2) == "05-07,0a"; a pair is not a range:
// {5, 6} gives "05,06".
std::string format_id_set(const Mask& m, int digits);

}  // namespace apcb::model

#endif  // APCB_MODEL_MASK_H_
