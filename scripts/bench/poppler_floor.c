// The floor of text extraction through poppler-glib: per page, the three calls Quarry's PDF
// parser makes (text, character boxes, font attributes) and nothing else, timed over all the
// files given (Docs/PERFORMANCE.md, "Parsing"). Build and run:
//   cc -O2 -o /tmp/poppler_floor scripts/bench/poppler_floor.c $(pkg-config --cflags --libs poppler-glib)
//   /tmp/poppler_floor ../shared/corpora/pdf/*.pdf   (the encrypted one opens to nothing and is skipped)
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long pages = 0;
    for (int i = 1; i < argc; i++) {
        char *path = realpath(argv[i], NULL);
        char *uri = path ? g_filename_to_uri(path, NULL, NULL) : NULL;
        free(path);
        if (!uri) continue;
        PopplerDocument *document = poppler_document_new_from_file(uri, NULL, NULL);
        g_free(uri);
        if (!document) continue;
        int count = poppler_document_get_n_pages(document);
        for (int n = 0; n < count; n++) {
            PopplerPage *page = poppler_document_get_page(document, n);
            char *text = poppler_page_get_text(page);
            PopplerRectangle *boxes = NULL;
            guint box_count = 0;
            poppler_page_get_text_layout(page, &boxes, &box_count);
            GList *attributes = poppler_page_get_text_attributes(page);
            poppler_page_free_text_attributes(attributes);
            g_free(boxes);
            g_free(text);
            g_object_unref(page);
            pages++;
        }
        g_object_unref(document);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("%ld pages in %.3f s\n", pages, (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    return 0;
}
