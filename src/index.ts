// Public entry point: re-exports only.
export {};
