// A program's policy: refuse its arguments with the reason, or give the argv to spawn (with any options
// the policy forces in front of the user's).
export type ProgramPolicy = (
  args: string[],
) => { argv: string[] } | { problem: string };
