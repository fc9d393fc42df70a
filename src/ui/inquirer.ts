/**
 * The four inquirer prompts tshoot uses. Imported (dynamically) instead of
 * `@inquirer/prompts` itself so that the bundle leaves out the others — the editor prompt
 * alone brings iconv-lite's code pages, 0.7 MB that the first prompt would otherwise parse.
 */
export { confirm, input, password, select } from '@inquirer/prompts';
