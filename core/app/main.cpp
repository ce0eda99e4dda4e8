#include <iostream>

#include "app/Commands.h"

int main(int argc, char** argv) {
  return baraza::app::runCli(baraza::app::commands(), argc, argv, std::cout, std::cerr);
}
