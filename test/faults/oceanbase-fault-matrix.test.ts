import { faultMatrix } from '../support/fault-matrix.js';

// Every fault against every OceanBase OCP operation kind: nothing submitted twice, lost, or told twice.
faultMatrix(['oceanbase']);
