#include "output_file.h"

namespace policy_cli {

char g_temporary[4096] = {0};

extern "C" void remove_temporary_and_die(int sig) {
  if (g_temporary[0] != '\0') ::unlink(g_temporary);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace policy_cli
