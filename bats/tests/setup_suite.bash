# bats picks this file up for every run of files in this directory.
# shellcheck source=../helpers/setup_suite.bash
source "$(dirname "${BASH_SOURCE[0]}")/../helpers/setup_suite.bash"
