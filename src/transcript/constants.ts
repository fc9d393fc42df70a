/** The first line of every transcript says `{"format": FORMAT, "version": FORMAT_VERSION, …}`. */
export const FORMAT = 'tshoot-transcript';
export const FORMAT_VERSION = 1;
