import { defineSafetyMatrix } from '../support/safety-matrix.js';

// One provider per file, so the three run side by side.
defineSafetyMatrix('oceanbase');
