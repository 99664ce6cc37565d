// chainlab/jest-setup: the preset's setupFilesAfterEnv entry; registers the matchers (imports only).
import './matchers/jest.ts';
