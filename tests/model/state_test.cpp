// Tests for model/state.h: response::final_status, the status a reset keeps for a sequence of
// hardware answers under each kernel profile (the other State helpers are exercised by
// step_test and filter_test).
#include "model/state.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace apcb::model {
namespace {

using Answers = std::vector<std::uint8_t>;
namespace rc = response;

constexpr KernelVersion kWaits[] = {KernelVersion::v6_6, KernelVersion::v6_12, KernelVersion::v6_19, KernelVersion::latest};
constexpr KernelVersion kRetries[] = {KernelVersion::v6_0, KernelVersion::v6_1};

// One answer keeps its meaning from before sequences: after_wait from 6.6, the answer before.
TEST(model_State, FinalStatusOfOneAnswerIsTheLegacyMeaning) {
  for (std::uint8_t a : {rc::normal, rc::q_not_avail, rc::reset_in_progress, rc::deconfigured, rc::checkstopped,
                         rc::busy, rc::invalid_address, rc::state_change_in_progress, rc::assoc_failed}) {
    for (KernelVersion k : kWaits) EXPECT_EQ(rc::final_status(k, {a}), rc::after_wait(a)) << int{a};
    for (KernelVersion k : kRetries) EXPECT_EQ(rc::final_status(k, {a}), a) << int{a};
  }
  EXPECT_EQ(rc::final_status(KernelVersion::latest, {}), rc::normal);
}

// 6.6+: BUSY polls go on until the queue is quiet, then the ZAPQ (which answered BUSY) is
// re-issued and answers NORMAL once the sequence is used up.
TEST(model_State, FinalStatusWaitsOutBusyPollsFrom6_6) {
  for (KernelVersion k : kWaits) {
    EXPECT_EQ(rc::final_status(k, {rc::busy, rc::busy, rc::normal}), rc::normal);
    EXPECT_EQ(rc::final_status(k, {rc::reset_in_progress, rc::reset_in_progress, rc::reset_in_progress,
                                   rc::deconfigured}),
              rc::normal);
    // The re-issued ZAPQ's answer is the status.
    EXPECT_EQ(rc::final_status(k, {rc::busy, rc::normal, rc::checkstopped}), rc::checkstopped);
    EXPECT_EQ(rc::final_status(k, {rc::busy, rc::normal, rc::invalid_address}), rc::invalid_address);
  }
}

// 6.6+: a ZAPQ answering STATE CHANGE IN PROGRESS is re-issued once a poll finds the queue quiet.
TEST(model_State, FinalStatusReissuesZapqAfterStateChangeFrom6_6) {
  for (KernelVersion k : kWaits) {
    EXPECT_EQ(rc::final_status(k, {rc::state_change_in_progress, rc::normal, rc::deconfigured}), rc::deconfigured);
    EXPECT_EQ(rc::final_status(k, {rc::state_change_in_progress, rc::normal}), rc::normal);
  }
}

// 6.6+: a poll answering 0x35/0x36 re-issues ZAPQ; the ZAPQ itself answering one is final.
TEST(model_State, FinalStatusReissuesZapqAfterSecureExecutionCodesFrom6_6) {
  for (KernelVersion k : kWaits) {
    EXPECT_EQ(rc::final_status(k, {rc::normal, rc::assoc_failed, rc::checkstopped}), rc::checkstopped);
    EXPECT_EQ(rc::final_status(k, {rc::normal, rc::assoc_secret_not_unique, rc::busy}), rc::normal);
    EXPECT_EQ(rc::final_status(k, {rc::assoc_failed, rc::normal}), rc::assoc_failed);
  }
}

// 6.6+: a poll the check gives up on (Q NOT AVAILABLE, an unexpected code) keeps the ZAPQ's
// answer, even a transient one, and a final ZAPQ answer is never polled.
TEST(model_State, FinalStatusKeepsTheZapqAnswerWhenThePollGivesUp) {
  for (KernelVersion k : kWaits) {
    EXPECT_EQ(rc::final_status(k, {rc::busy, rc::q_not_avail}), rc::busy);
    EXPECT_EQ(rc::final_status(k, {rc::normal, rc::invalid_address}), rc::normal);
    EXPECT_EQ(rc::final_status(k, {rc::reset_in_progress, rc::otherwise_changed}), rc::reset_in_progress);
    EXPECT_EQ(rc::final_status(k, {rc::deconfigured, rc::busy}), rc::deconfigured);
  }
}

// Before 6.6: ZAPQ, one retry after RESET IN PROGRESS, no polling of the answer.
TEST(model_State, FinalStatusBefore6_6RetriesOnceAndKeepsTheAnswer) {
  for (KernelVersion k : kRetries) {
    EXPECT_EQ(rc::final_status(k, {rc::reset_in_progress, rc::reset_in_progress}), rc::reset_in_progress);
    EXPECT_EQ(rc::final_status(k, {rc::reset_in_progress, rc::normal}), rc::normal);
    EXPECT_EQ(rc::final_status(k, {rc::reset_in_progress, rc::checkstopped, rc::normal}), rc::checkstopped);
    EXPECT_EQ(rc::final_status(k, {rc::busy, rc::normal}), rc::busy);
    EXPECT_EQ(rc::final_status(k, {rc::state_change_in_progress, rc::normal}), rc::state_change_in_progress);
    EXPECT_EQ(rc::final_status(k, {rc::normal, rc::assoc_failed}), rc::normal);
  }
}

// Every sequence ends (the fold is total): the longest ones, all transient, included.
TEST(model_State, FinalStatusOfTheLongestSequencesEnds) {
  const Answers busy(rc::max_reset_answers, rc::busy);
  const Answers se(rc::max_reset_answers, rc::assoc_failed);
  EXPECT_EQ(rc::final_status(KernelVersion::latest, busy), rc::normal);
  // A ZAPQ answering 0x35 is final; after a NORMAL ZAPQ every 0x35 poll re-issues ZAPQ, which
  // answers 0x35 too, until the sequence is used up.
  EXPECT_EQ(rc::final_status(KernelVersion::latest, se), rc::assoc_failed);
  Answers walk(rc::max_reset_answers, rc::assoc_failed);
  walk.front() = rc::normal;
  EXPECT_EQ(rc::final_status(KernelVersion::latest, walk), rc::normal);
}

// How many answers the walk read (harness/reach.cpp counts the codes a reset reached by it):
// a final ZAPQ answer leaves the rest unread, polls read on, and before 6.6 one retry at most.
TEST(model_State, FinalStatusCountsTheAnswersTheWalkRead) {
  std::size_t read = 99;
  EXPECT_EQ(rc::final_status(KernelVersion::latest, {rc::q_not_avail, rc::busy}, &read), rc::q_not_avail);
  EXPECT_EQ(read, 1u);
  EXPECT_EQ(rc::final_status(KernelVersion::latest, {rc::busy, rc::busy, rc::normal, rc::busy}, &read), rc::normal);
  EXPECT_EQ(read, 4u);  // ZAPQ BUSY, TAPQ BUSY, TAPQ NORMAL re-issues ZAPQ: BUSY, then polls past the end
  EXPECT_EQ(rc::final_status(KernelVersion::latest, {rc::normal, rc::q_not_avail, rc::busy}, &read), rc::normal);
  EXPECT_EQ(read, 2u);
  EXPECT_EQ(rc::final_status(KernelVersion::v6_1, {rc::reset_in_progress, rc::busy, rc::normal}, &read), rc::busy);
  EXPECT_EQ(read, 2u);
  EXPECT_EQ(rc::final_status(KernelVersion::v6_1, {rc::q_not_avail}, &read), rc::q_not_avail);
  EXPECT_EQ(read, 1u);
  EXPECT_EQ(rc::final_status(KernelVersion::latest, {}, &read), rc::normal);
  EXPECT_EQ(read, 0u);
}

TEST(model_State, HwAnswersOfIsNormalUnlessSet) {
  State s;
  EXPECT_EQ(s.hw_answers_of({5, 0x47}), (Answers{rc::normal}));
  s.hw_response[Apqn{5, 0x47}.packed()] = {rc::busy, rc::normal};
  EXPECT_EQ(s.hw_answers_of({5, 0x47}), (Answers{rc::busy, rc::normal}));
  EXPECT_EQ(s.hw_response_of({5, 0x47}), rc::busy);
}

}  // namespace
}  // namespace apcb::model
