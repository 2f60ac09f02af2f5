#include <libxml/xmlversion.h>
// libxml2's ICU declarations clash with Foundation's own copy of ICU in one Swift module.
// Quarry never touches the ICU fields (the tail of xmlCharEncodingHandler), so hide them.
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
