// swarmkeeperd: the tracker daemon. Everything lives in the libraries; see server.cpp.
#include "server.h"

int main(int argc, char **argv)
{
    return sk::app::run(argc, argv);
}
