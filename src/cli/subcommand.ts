/** What the `chainlab` dispatcher needs of a subcommand. */
export interface Subcommand {
  /** One line for `chainlab --help`. */
  summary: string;
  /**
   * Runs with the arguments after the subcommand's name and resolves to the exit code.
   * Handles its own `--help`.
   */
  run(argv: string[]): Promise<number>;
}
