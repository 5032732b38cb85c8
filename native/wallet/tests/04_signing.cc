#include "test.h"
TEST_CASE("placeholder") { strongroom_test::skip("not written yet"); }
STRONGROOM_TEST_MAIN
