#include "app/Commands.h"

#include <iostream>

int main(int argc, char** argv) {
  return baraza::app::runCli(baraza::app::commands(), argc, argv, std::cout, std::cerr);
}
