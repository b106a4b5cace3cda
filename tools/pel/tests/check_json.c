/* check_json — compare a JSON document against what a test expects.
 *
 *     check_json EXPECTED.json ACTUAL.json
 *
 * Every key of an expected object must be in the actual object with a matching value
 * (keys not named are not checked); arrays must have the same length and match element
 * by element; numbers compare as doubles (so 85 matches 85.000); other values must be
 * equal. An expected string starting with "~" matches an actual string containing the
 * rest. Exit 0 on a match, 1 (and where it differs) otherwise, 2 when a file cannot be
 * parsed: ACTUAL's being valid JSON is part of the check. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int match(json_t *want, json_t *got, const char *path)
{
    char sub[1024];
    if (json_is_object(want)) {
        if (!json_is_object(got)) {
            printf("%s: expected an object\n", path);
            return 0;
        }
        const char *key;
        json_t *v;
        json_object_foreach(want, key, v) {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            json_t *g = json_object_get(got, key);
            if (g == NULL) {
                printf("%s: missing\n", sub);
                return 0;
            }
            if (!match(v, g, sub))
                return 0;
        }
        return 1;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) != json_array_size(want)) {
            printf("%s: expected an array of %zu, got %s of %zu\n", path,
                   json_array_size(want), json_is_array(got) ? "an array" : "something else",
                   json_array_size(got));
            return 0;
        }
        size_t i;
        json_t *v;
        json_array_foreach(want, i, v) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (!match(v, json_array_get(got, i), sub))
                return 0;
        }
        return 1;
    }
    if (json_is_number(want)) {
        if (json_is_number(got) && json_number_value(got) == json_number_value(want))
            return 1;
    } else if (json_is_string(want) && json_string_value(want)[0] == '~') {
        if (json_is_string(got) && strstr(json_string_value(got), json_string_value(want) + 1))
            return 1;
    } else if (json_equal(want, got)) {
        return 1;
    }
    char *w = json_dumps(want, JSON_ENCODE_ANY), *g = json_dumps(got, JSON_ENCODE_ANY);
    printf("%s: expected %s, got %s\n", path, w ? w : "?", g ? g : "?");
    free(w);
    free(g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: check_json EXPECTED.json ACTUAL.json\n");
        return 2;
    }
    json_error_t err;
    json_t *want = json_load_file(argv[1], 0, &err);
    if (want == NULL) {
        printf("%s:%d:%d: %s\n", argv[1], err.line, err.column, err.text);
        return 2;
    }
    json_t *got = json_load_file(argv[2], 0, &err);
    if (got == NULL) {
        printf("%s:%d:%d: %s\n", argv[2], err.line, err.column, err.text);
        return 2;
    }
    int ok = match(want, got, "$");
    json_decref(want);
    json_decref(got);
    return ok ? 0 : 1;
}
