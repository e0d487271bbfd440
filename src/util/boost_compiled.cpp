// The one translation unit that compiles Asio, Beast and Boost.URL (see
// BOOST_*_SEPARATE_COMPILATION in CMakeLists.txt): every other file only sees
// their declarations, which keeps a 2-core build fast.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/url/src.hpp>
