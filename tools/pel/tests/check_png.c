/* check_png — is a rendered picture more than a blank page?
 *
 *     check_png FILE.png MIN_INK MIN_COLOURS
 *
 * Counts the pixels that are neither white nor transparent ("ink") and the distinct
 * colours among them (to 4 bits per channel, so antialiasing does not inflate it). Exit
 * 0 when there are at least MIN_INK ink pixels and MIN_COLOURS colours; 1 otherwise, 2
 * when the file is not a readable PNG. Prints "WIDTHxHEIGHT ink=N colours=C". */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: check_png FILE.png MIN_INK MIN_COLOURS\n");
        return 2;
    }
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, argv[1])) {
        printf("%s: %s\n", argv[1], img.message);
        return 2;
    }
    img.format = PNG_FORMAT_RGBA;
    size_t size = PNG_IMAGE_SIZE(img);
    unsigned char *px = malloc(size);
    if (px == NULL || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        printf("%s: %s\n", argv[1], px ? img.message : "out of memory");
        free(px);
        return 2;
    }
    static unsigned char seen[4096];
    unsigned long ink = 0, colours = 0;
    for (size_t i = 0; i < size; i += 4) {
        unsigned char r = px[i], g = px[i + 1], b = px[i + 2], a = px[i + 3];
        if (a < 16 || (r > 250 && g > 250 && b > 250))
            continue;
        ink++;
        unsigned key = (unsigned)(r >> 4) << 8 | (unsigned)(g >> 4) << 4 | (unsigned)(b >> 4);
        if (!seen[key]) {
            seen[key] = 1;
            colours++;
        }
    }
    free(px);
    printf("%ux%u ink=%lu colours=%lu\n", img.width, img.height, ink, colours);
    return ink >= strtoul(argv[2], NULL, 10) && colours >= strtoul(argv[3], NULL, 10) ? 0 : 1;
}
