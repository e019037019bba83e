// The kernel's sysfs renderings, byte for byte: matrix/guest_matrix, control_domains,
// ap_config, the AP bus masks, queue status and the guest's view of its APCB.
#include "model/render.h"

#include <gtest/gtest.h>

#include <string>

namespace apcb::model {
namespace {

std::string zeros(int n) { return std::string(static_cast<std::size_t>(n), '0'); }

constexpr HostParams kApxa{};                                       // maxima 255/255/255
constexpr HostParams kNoApxa{.apxa = false, .na = 255, .nd = 255};  // maxima 63/15/15

TEST(RenderMatrixThreeGuests, Mdev1ListsEveryApqnAdaptersOuter) {
  const Matrix mdev1{Mask::of({5, 6}), Mask::of({4, 0xab}), Mask()};
  EXPECT_EQ(render_matrix(mdev1, kApxa), "05.0004\n05.00ab\n06.0004\n06.00ab\n");
}

TEST(RenderMatrixThreeGuests, Mdev2AndMdev3) {
  EXPECT_EQ(render_matrix(Matrix{Mask::single(5), Mask::of({0x47, 0xff}), Mask()}, kApxa),
            "05.0047\n05.00ff\n");
  EXPECT_EQ(render_matrix(Matrix{Mask::single(6), Mask::of({0x47, 0xff}), Mask()}, kApxa),
            "06.0047\n06.00ff\n");
}

TEST(RenderApConfigThreeGuests, ExactStringsOfMdev1AndMdev2) {
  EXPECT_EQ(render_ap_config(Matrix{Mask::of({5, 6}), Mask::of({4, 0xab}), Mask()}),
            "0x0600000000000000000000000000000000000000000000000000000000000000,"
            "0x0800000000000000000000000000000000000000001000000000000000000000,"
            "0x0000000000000000000000000000000000000000000000000000000000000000\n");
  EXPECT_EQ(render_ap_config(Matrix{Mask::single(5), Mask::of({0x47, 0xff}), Mask()}),
            "0x04" + zeros(62) +
                ",0x0000000000000000010000000000000000000000000000000000000000000001,0x" +
                zeros(64) + "\n");
}

TEST(RenderApConfig, ShowsFullMasksRegardlessOfMaxima) {
  const Matrix m{Mask::all(), Mask::single(255), Mask::single(0)};
  EXPECT_EQ(render_ap_config(m),
            "0x" + std::string(64, 'f') + ",0x" + zeros(63) + "1,0x8" + zeros(63) + "\n");
  EXPECT_EQ(render_ap_config(m).size(), 201U);
}

TEST(RenderMatrix, AdaptersOnly) {
  EXPECT_EQ(render_matrix(Matrix{Mask::of({5, 6}), Mask(), Mask()}, kApxa), "05.\n06.\n");
}

TEST(RenderMatrix, DomainsOnly) {
  EXPECT_EQ(render_matrix(Matrix{Mask(), Mask::of({4, 0xab}), Mask()}, kApxa), ".0004\n.00ab\n");
}

TEST(RenderMatrix, EmptyAndControlDomainsAreNotShown) {
  EXPECT_EQ(render_matrix(Matrix{}, kApxa), "");
  EXPECT_EQ(render_matrix(Matrix{Mask(), Mask(), Mask::of({1, 2})}, kApxa), "");
}

TEST(RenderMatrix, LowerCaseHexWithFixedWidths) {
  EXPECT_EQ(render_matrix(Matrix{Mask::of({0, 0xff}), Mask::of({0, 0xfe}), Mask()}, kApxa),
            "00.0000\n00.00fe\nff.0000\nff.00fe\n");
}

TEST(RenderMatrix, IdsAboveTheMaximaAreHiddenOnANonApxaHost) {
  const Matrix m{Mask::of({5, 63, 64, 200}), Mask::of({4, 15, 16, 255}), Mask()};
  EXPECT_EQ(render_matrix(m, kNoApxa), "05.0004\n05.000f\n3f.0004\n3f.000f\n");
}

TEST(RenderMatrix, OnlyHiddenAdaptersRendersAsDomainsOnly) {
  // The adapters-and-domains form needs a set adapter within 0..apm_max.
  EXPECT_EQ(render_matrix(Matrix{Mask::single(64), Mask::of({4, 16}), Mask()}, kNoApxa), ".0004\n");
  EXPECT_EQ(render_matrix(Matrix{Mask::single(3), Mask::single(16), Mask()}, kNoApxa), "03.\n");
  EXPECT_EQ(render_matrix(Matrix{Mask::single(64), Mask::single(16), Mask()}, kNoApxa), "");
}

TEST(RenderMatrix, ApxaMaximaComeFromNaAndNd) {
  const HostParams params{.apxa = true, .na = 100, .nd = 30};
  const Matrix m{Mask::of({100, 101}), Mask::of({30, 31}), Mask()};
  EXPECT_EQ(render_matrix(m, params), "64.001e\n");
}

TEST(RenderControlDomains, FourHexDigitsPerLine) {
  EXPECT_EQ(render_control_domains(Matrix{Mask(), Mask(), Mask::single(11)}, kApxa), "000b\n");
  EXPECT_EQ(render_control_domains(Matrix{Mask(), Mask(), Mask::of({255, 0})}, kApxa),
            "0000\n00ff\n");
  EXPECT_EQ(render_control_domains(Matrix{}, kApxa), "");
}

TEST(RenderControlDomains, IdsAboveAdmMaxAreHidden) {
  EXPECT_EQ(render_control_domains(Matrix{Mask(), Mask(), Mask::of({11, 15, 16})}, kNoApxa),
            "000b\n000f\n");
  // Usage domains and adapters play no part.
  EXPECT_EQ(render_control_domains(Matrix{Mask::all(), Mask::all(), Mask()}, kApxa), "");
}

TEST(RenderBusMask, PrefixSixtyFourDigitsNewline) {
  EXPECT_EQ(render_bus_mask(Mask::all()), "0x" + std::string(64, 'f') + "\n");
  EXPECT_EQ(render_bus_mask(Mask()), "0x" + zeros(64) + "\n");
  EXPECT_EQ(render_bus_mask(Mask::all() - Mask::of({5, 6})), "0xf9" + std::string(62, 'f') + "\n");
  EXPECT_EQ(render_bus_mask(Mask::of({1, 2, 3, 4, 5, 7})), "0x7d" + zeros(62) + "\n");
}

TEST(RenderApcb, UsesTheApConfigForm) {
  const Matrix m{Mask::single(5), Mask::single(4), Mask::single(11)};
  EXPECT_EQ(render_apcb(m), render_ap_config(m));
  EXPECT_EQ(render_apcb(Matrix{}), "0x" + zeros(64) + ",0x" + zeros(64) + ",0x" + zeros(64) + "\n");
}

TEST(Render, AqicNamesTheHandlerAndTheResponseCode) {
  EXPECT_EQ(render_aqic("11111111-1111-1111-1111-111111111111", response::normal),
            "handler=11111111-1111-1111-1111-111111111111 rc=0x00\n");
  EXPECT_EQ(render_aqic("", response::q_not_avail), "handler=none rc=0x01\n");
  EXPECT_EQ(render_aqic("u", 0xAB), "handler=u rc=0xab\n");
  EXPECT_EQ(render_aqic_specification_exception(), "exception=specification\n");
}

// Queue status needs the state's ownership lookup.
State status_state() {
  State s;
  Mdev attached;
  attached.uuid = "11111111-1111-1111-1111-111111111111";
  attached.assigned = Matrix{Mask::of({5, 6}), Mask::of({4, 0xab}), Mask()};
  attached.shadow = Matrix{Mask::single(5), Mask::of({4, 0xab}), Mask()};
  attached.guest = 1;
  Mdev detached;
  detached.uuid = "22222222-2222-2222-2222-222222222222";
  detached.assigned = Matrix{Mask::single(7), Mask::single(0x47), Mask()};
  detached.shadow = detached.assigned;
  s.mdevs = {attached, detached};
  return s;
}

TEST(RenderQueueStatus, InUseOnlyWhenGuestAttachedAndQueueInShadow) {
  const State s = status_state();
  EXPECT_EQ(render_queue_status(s, Apqn{5, 4}), "in use\n");
  EXPECT_EQ(render_queue_status(s, Apqn{5, 0xab}), "in use\n");
}

TEST(RenderQueueStatus, AssignedWhenFilteredOutOrNoGuest) {
  const State s = status_state();
  EXPECT_EQ(render_queue_status(s, Apqn{6, 4}), "assigned\n");     // filtered from the shadow
  EXPECT_EQ(render_queue_status(s, Apqn{7, 0x47}), "assigned\n");  // in shadow, no guest
}

TEST(RenderQueueStatus, UnassignedWhenNoMdevHoldsIt) {
  const State s = status_state();
  EXPECT_EQ(render_queue_status(s, Apqn{5, 0x47}), "unassigned\n");
  EXPECT_EQ(render_queue_status(s, Apqn{8, 4}), "unassigned\n");
  EXPECT_EQ(render_queue_status(State{}, Apqn{0, 0}), "unassigned\n");
}

}  // namespace
}  // namespace apcb::model
