/* SPDX-License-Identifier: Apache-2.0 */
/* Container names: Docker's rule and its adjective_surname generator. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/xalloc.h"
#include "container/container.h"

static const char *const adjectives[] = {
        "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful",
        "blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent",
        "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted",
        "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting",
        "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted",
        "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible",
        "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
        "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty",
        "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless",
        "quirky", "quizzical", "recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp",
        "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty",
        "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
        "xenodochial", "youthful", "zealous", "zen",
};

static const char *const surnames[] = {
        "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin",
        "babbage", "banach", "bardeen", "bartik", "bassi", "bell", "benz", "bhabha", "black", "blackburn",
        "blackwell", "bohr", "booth", "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "burnell",
        "cannon", "carson", "cartwright", "cerf", "chandrasekhar", "chatelet", "chatterjee", "chaum",
        "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dirac", "easley",
        "edison", "einstein", "elgamal", "elion", "engelbart", "euclid", "euler", "faraday", "feistel",
        "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "golick",
        "goodall", "gould", "hamilton", "hawking", "heisenberg", "hellman", "hermann", "hertz", "hodgkin",
        "hofstadter", "hoover", "hopper", "hugle", "hypatia", "jackson", "jang", "jennings", "jepsen",
        "johnson", "joliot", "jones", "kalam", "kare", "keldysh", "keller", "kepler", "khorana", "kilby",
        "kirch", "knuth", "kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg",
        "lehmann", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "margulis",
        "matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "mendeleev",
        "merkle", "mirzakhani", "moore", "morse", "napier", "nash", "newton", "nightingale", "nobel",
        "noether", "noyce", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "ptolemy",
        "raman", "ramanujan", "ride", "ritchie", "robinson", "roentgen", "rosalind", "rubin", "saha",
        "sammet", "shamir", "shannon", "shaw", "shockley", "sinoussi", "snyder", "spence", "stonebraker",
        "sutherland", "swanson", "swartz", "tesla", "thompson", "torvalds", "turing", "varahamihira",
        "villani", "volhard", "wescoff", "wilbur", "wiles", "williams", "wilson", "wing", "wozniak",
        "wright", "wu", "yalow", "yonath", "zhukovsky",
};

bool container_name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n < 2 || n > 255)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
                        return false;
        }
        return true;
}

char *container_name_generate(void)
{
        unsigned int r[2];

        if (getrandom(r, sizeof(r), 0) != sizeof(r))
                r[0] = (unsigned)rand(), r[1] = (unsigned)rand();
        for (;;) {
                const char *a = adjectives[r[0] % (sizeof(adjectives) / sizeof(*adjectives))];
                const char *b = surnames[r[1] % (sizeof(surnames) / sizeof(*surnames))];
                /* Steve Wozniak is not boring (Docker's own exception). */
                if (strcmp(a, "boring") == 0 && strcmp(b, "wozniak") == 0) {
                        r[1]++;
                        continue;
                }
                return xasprintf("%s_%s", a, b);
        }
}
