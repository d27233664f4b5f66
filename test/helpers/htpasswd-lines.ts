/**
 * Basic password lines in every format porta reads, generated once with `htpasswd -nb -B -C 5`,
 * `-m`, `-s`, `openssl passwd -1` and bcryptjs, so the tests of these formats never depend on
 * apache2-utils being installed.
 */
import { md5 } from './auth-client.js';

export const FIXED_LINES = {
  bcrypt2y: { password: 'wonderland', hash: '$2y$05$oghXr.u./37faOqdE.c.xOCyxv9sJhUY2VSsqdsufmrHaeotwLFaS' },
  bcrypt2b: { password: 'b-pass', hash: '$2b$04$dAdE.6GspDp0w2iQ024QjOTRud4Q.Pp/sUW1n0a5I24upy2iI60.a' },
  bcrypt2a: { password: 'a-pass', hash: '$2a$04$rLjAzf1f6CUxNayyZKwCo.c3qbtRictpNu7pl1ZQh715cM1PFX8b6' },
  apr1: { password: 'cödé pw', hash: '$apr1$MwYGGM6i$caidRnbv.rsiYEiZxDGh7/' },
  md5crypt: { password: 'crypt-pw', hash: '$1$8chrsalt$S4pENSqseeg7Ly3D9UQwz1' },
  sha1: { password: 'sha secret', hash: '{SHA}lS0vrzehCXIgQ2tOXSb4AWtTIEY=' },
  md5hex: { password: 'plain md5', hash: md5('plain md5') },
} as const;
