# libstemmer ships no pkg-config file on Debian 12, hence this module.
# Defines LibStemmer::LibStemmer.
find_path(LIBSTEMMER_INCLUDE_DIR libstemmer.h)
find_library(LIBSTEMMER_LIBRARY NAMES stemmer)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibStemmer
  REQUIRED_VARS LIBSTEMMER_LIBRARY LIBSTEMMER_INCLUDE_DIR
  FAIL_MESSAGE "libstemmer not found: install the Debian package libstemmer-dev")
if(LibStemmer_FOUND AND NOT TARGET LibStemmer::LibStemmer)
  add_library(LibStemmer::LibStemmer UNKNOWN IMPORTED)
  set_target_properties(LibStemmer::LibStemmer PROPERTIES
    IMPORTED_LOCATION "${LIBSTEMMER_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBSTEMMER_INCLUDE_DIR}")
endif()
