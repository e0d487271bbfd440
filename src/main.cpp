#include <iostream>

int main() {
    std::cout << "rampart " RAMPART_VERSION "\n";
    return 0;
}
