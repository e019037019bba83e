/* A shared library that is not an apcb plugin: it does not export apcb_sut_get_plugin, so
 * `apcb check --sut` must refuse it as bad input (exit 2) with today's message. */
int apcb_hostile_not_a_plugin(void) { return 0; }
